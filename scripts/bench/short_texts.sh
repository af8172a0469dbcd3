#!/usr/bin/env bash
# issue 32 item 5: 2,000 passages of 60-480 tokens, all-MiniLM-L6-v2 as itself, fp32, same run, alternating
cd "$(dirname "$0")/../.."
P=${P:-scripts/data/short-passages.jsonl}
lscpu | grep -E 'Model name|^CPU\(s\)|Flags' | cut -c1-300
for round in $(seq 1 ${ROUNDS:-2}); do
  echo "=== round $round"
  ./kembed embed --model models/all-MiniLM-L6-v2 --input $P --output /tmp/kembed-short.jsonl --truncate 2>&1 | grep embedded | sed 's/^/kembed embed --truncate: /'
  ${PY:-python3} scripts/bench_short_ort.py --passages $P 2>&1 | grep run | sed 's/^/onnxruntime python b32: /'
  ${PY:-python3} scripts/bench_short_st.py models/all-MiniLM-L6-v2 --passages $P 2>&1 | grep run | sed 's/^/sentence-transformers encode: /'
  ./kembed embed --model models/all-MiniLM-L6-v2 --input $P --output /tmp/kembed-whole.jsonl 2>&1 | grep embedded | sed 's/^/kembed embed (whole texts): /'
done
