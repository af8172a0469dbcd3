#!/usr/bin/env bash
# Strips from a copy of target/lib what a linux-x86_64 (glibc) runtime never loads: the native
# libraries the jars carry for other systems (ONNX Runtime, RocksDB, the tokenizers, zstd), and,
# with --without-demo-model, the 83 MB MiniLM jar that only `kembed model long` / `kembed demo`
# read (an image whose model is mounted never needs it). Used by the Dockerfile; measured in README.
#   scripts/slim-libs.sh LIB_DIR [--without-demo-model]
set -euo pipefail
lib="${1:?usage: slim-libs.sh LIB_DIR [--without-demo-model]}"
# zip -d exits 12 when no entry matched a pattern: that is fine, a jar may not carry that system
strip() { local jar="$1"; shift; zip -q -d "$jar" "$@" || [[ $? -eq 12 ]]; }
for jar in "$lib"/onnxruntime-[0-9]*.jar "$lib"/onnxruntime_gpu-[0-9]*.jar; do
  [[ -e "$jar" ]] || continue
  strip "$jar" 'ai/onnxruntime/native/osx-*' 'ai/onnxruntime/native/win-*' 'ai/onnxruntime/native/linux-aarch64/*'
done
for jar in "$lib"/rocksdbjni-*.jar; do
  strip "$jar" 'librocksdbjni-*musl*' 'librocksdbjni-linux32*' 'librocksdbjni-linux-*' 'librocksdbjni-osx*' 'librocksdbjni-win*'
done
for jar in "$lib"/tokenizers-*.jar; do
  strip "$jar" 'native/lib/osx-*' 'native/lib/win-*' 'native/lib/linux-aarch64/*'
done
for jar in "$lib"/zstd-jni-*.jar; do
  strip "$jar" 'aix/*' 'darwin/*' 'freebsd/*' 'win/*' 'linux/aarch64/*' 'linux/arm/*' 'linux/i386/*' 'linux/loongarch64/*' \
    'linux/mips64/*' 'linux/ppc64/*' 'linux/ppc64le/*' 'linux/riscv64/*' 'linux/s390x/*'
done
if [[ "${2:-}" == "--without-demo-model" ]]; then
  rm -f "$lib"/langchain4j-embeddings-all-minilm-*.jar
fi
