#!/usr/bin/env bash
# Issue 32 item 6 (part): kembed bench engine on the bert-base and mpnet-base presets next to transformers' own
# BertModel / MPNetModel (fp32, sdpa) on the same random checkpoints, alternating, same run. PY = a venv's python.
cd "$(dirname "$0")/../.."
lscpu | grep -E 'Model name|^CPU\(s\)|Flags' | cut -c1-300
for p in bert-base mpnet-base; do
  [ -d models/$p ] || ./kembed model random --preset $p --out models/$p
  for round in 1 2; do
    echo "=== $p round $round: kembed"
    ./kembed bench engine --model models/$p --engine onnxruntime-cpu --lengths ${LENGTHS:-128,512} --batch 1 --iterations 3 --threads 2 2>&1 | grep -E '^(length|[0-9])'
    echo "=== $p round $round: transformers"
    ${PY:-python3} scripts/bench_hf_encoders.py models/$p --lengths ${LENGTHS:-128,512} --threads 2 --iterations 3 2>&1 | grep -E '^(#|length|[0-9])'
  done
done
