#!/usr/bin/env bash
# The one command to run on a GPU host (Java 17 + Maven, NVIDIA driver, CUDA/cuDNN/TensorRT libraries):
#   scripts/gpu-check.sh [OUT_DIR]
# It prints the GPU and the CUDA/cuDNN/TensorRT libraries it finds, builds kembed with the GPU profile,
# and for each GPU engine that loads here:
#   - kembed model verify on the tiny preset and the long MiniLM (real weights) against the CPU fp32 engine,
#   - kembed model verify and kembed bench engine on the base preset (longformer-base shapes) at 512 and
#     4096 tokens, batch 1, 8 and 16 (each batch with engines built for that batch),
# then writes OUT_DIR/gpu-results.md: one table (engine, precision, bucket, batch, max diff, min cosine,
# tokens/s, TFLOP/s, share of peak) to paste into BENCHMARKS.md, and keeps every raw log next to it.
# Exit code: 0 when every verify that ran passed, 1 otherwise. Nothing here was run on a GPU by the
# project (its build machines have none): README "Running on a GPU" says what has been checked.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(mkdir -p "${1:-$here/target/gpu-check}" && cd "${1:-$here/target/gpu-check}" && pwd)"
models="$out/models"
kembed="$here/kembed"
export KEMBED_JAVA_OPTS="${KEMBED_JAVA_OPTS:--Xmx16g}"
failed=0

section() { printf '\n== %s ==\n' "$*"; }

section "GPU"
nvidia-smi || echo "nvidia-smi not found or failed: no usable NVIDIA driver"

section "CUDA / cuDNN / TensorRT libraries"
for so in libcuda.so.1 libcudart.so.12 libcublas.so.12 libcudnn.so.9 libnvinfer.so.8 libnvonnxparser.so.8 libnvparsers.so.8 \
          libnvinfer.so.10 libnvonnxparser.so.10; do
  where="$( (ldconfig -p 2>/dev/null | awk -v s="$so" '$1 == s {print $NF; exit}') )"
  if [[ -z "$where" ]]; then
    IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"
    for d in "${dirs[@]}"; do [[ -n "$d" && -e "$d/$so" ]] && where="$d/$so" && break; done
  fi
  printf '%-24s %s\n' "$so" "${where:-not found}"
done
command -v trtexec >/dev/null && echo "trtexec: $(command -v trtexec) (used to serialize TensorRT engines into the cache)"

section "build (mvn -Pgpu)"
(cd "$here" && mvn -q -B -Pgpu -DskipTests package) || { echo "build failed"; exit 1; }

section "models"
[[ -f "$models/tiny/config.json" ]] || "$kembed" model random --preset tiny --out "$models/tiny"
[[ -f "$models/base/config.json" ]] || "$kembed" model random --preset base --out "$models/base"
[[ -f "$models/minilm-long/config.json" ]] || "$kembed" model long --from minilm --out "$models/minilm-long"

# engine label, then kembed options; fp16 on onnxruntime-gpu goes through its TensorRT provider
configs=(
  "tensorrt fp32|--engine tensorrt --precision fp32"
  "tensorrt fp16|--engine tensorrt --precision fp16"
  "onnxruntime-gpu fp32|--engine onnxruntime-gpu --precision fp32"
  "onnxruntime-gpu+trt fp32|--engine onnxruntime-gpu --ort-tensorrt --precision fp32"
  "onnxruntime-gpu+trt fp16|--engine onnxruntime-gpu --ort-tensorrt --precision fp16"
)
rows="$out/rows.tsv"
: > "$rows"
for c in "${configs[@]}"; do
  label="${c%%|*}"; opts="${c#*|}"; tag="${label// /-}"; tag="${tag//+/-}"
  section "$label"
  # shellcheck disable=SC2086
  if ! "$kembed" model verify --model "$models/tiny" $opts --engine-cache "$out/cache" --lengths 64,512 > "$out/$tag-verify-tiny.txt" 2> "$out/$tag-verify-tiny.log"; then
    if grep -q "cannot run here\|does not load\|no GPU provider" "$out/$tag-verify-tiny.log"; then
      echo "skipped: $(grep -m1 'kembed:' "$out/$tag-verify-tiny.log")"
      continue
    fi
    echo "verify (tiny) FAILED"; failed=1
  fi
  cat "$out/$tag-verify-tiny.txt"
  # shellcheck disable=SC2086
  "$kembed" model verify --model "$models/minilm-long" $opts --global-attention none --engine-cache "$out/cache" \
      > "$out/$tag-verify-minilm.txt" 2> "$out/$tag-verify-minilm.log" || { echo "verify (long MiniLM) FAILED"; failed=1; }
  cat "$out/$tag-verify-minilm.txt"
  for b in 1 8 16; do
    # shellcheck disable=SC2086
    "$kembed" model verify --model "$models/base" $opts --global-attention none --buckets 512,4096 --gpu-batch "$b" \
        --engine-cache "$out/cache" > "$out/$tag-verify-base-b$b.txt" 2> "$out/$tag-verify-base-b$b.log" || failed=1
    # shellcheck disable=SC2086
    "$kembed" bench engine --model "$models/base" $opts --buckets 512,4096 --gpu-batch "$b" --engine-cache "$out/cache" \
        --lengths 512,4096 --batch "$b" --iterations 5 > "$out/$tag-bench-b$b.txt" 2> "$out/$tag-bench-b$b.log" || failed=1
    cat "$out/$tag-bench-b$b.txt"
    # join the bench rows with this batch's verify rows on the bucket
    awk -v label="$label" -v b="$b" '
      FNR == NR { if ($1 ~ /^[0-9]+$/) { dif[$1] = $3; cosine[$1] = $4 } next }
      $1 ~ /^[0-9]+$/ && $2 == b { printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", label, $1, $2, dif[$1], cosine[$1], $5, $6, $7 }
    ' "$out/$tag-verify-base-b$b.txt" "$out/$tag-bench-b$b.txt" >> "$rows"
  done
  # serialize what DJL built from ONNX, so the next load of each bucket skips the build (README)
  if [[ "$label" == tensorrt* ]] && command -v trtexec >/dev/null; then
    for onnx in "$out"/cache/tensorrt/*.onnx; do
      [[ -e "$onnx" && ! -e "${onnx%.onnx}.trt" ]] || continue
      fp16=""; [[ "$onnx" == *-fp16-* ]] && fp16="--fp16"
      trtexec --onnx="$onnx" --saveEngine="${onnx%.onnx}.trt" $fp16 > "${onnx%.onnx}.trtexec.log" 2>&1 || echo "trtexec failed for $onnx"
    done
  fi
done

{
  echo "GPU check $(date -u +%Y-%m-%dT%H:%MZ) on $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)"
  echo
  echo "| engine | precision | bucket | batch | max diff | min cosine | tokens/s | TFLOP/s | share of peak |"
  echo "|---|---|---|---|---|---|---|---|---|"
  awk -F'\t' '{ split($1, e, " "); printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", e[1], e[2], $2, $3, $4, $5, $6, $7, $8 }' "$rows"
} > "$out/gpu-results.md"
section "results ($out/gpu-results.md)"
cat "$out/gpu-results.md"
exit "$failed"
