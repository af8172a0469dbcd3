#!/usr/bin/env python3
"""Peer benchmark, short texts: ONNX Runtime from Python on the jar's own all-minilm-l6-v2.onnx
(extracted from the langchain4j jar in ~/.m2), tokenized with the jar's tokenizer (no padding,
truncation at --max-length like sentence-transformers' 256), length-sorted batches of 32 padded to
their longest, mean pooling + L2 normalisation, 2 intra-op threads. Tokenization is inside the timing.
Prints texts/s (and tokens/s) for each of --runs passes after one warm-up batch.

usage: bench_short_ort.py [--passages scripts/data/short-passages.jsonl] [--batch 32] [--threads 2]
                          [--max-length 256] [--runs 1] [--vectors-out FILE.jsonl]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from minilm_common import jar_onnx_session, jar_tokenizer, ort_embed  # noqa: E402


def cpu_model():
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--passages", default="scripts/data/short-passages.jsonl")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--vectors-out")
    a = ap.parse_args()
    import onnxruntime as ort

    rows = [json.loads(line) for line in open(a.passages, encoding="utf-8") if line.strip()]
    texts = [r["text"] for r in rows]
    sess = jar_onnx_session(threads=a.threads)
    tok = jar_tokenizer(max_length=a.max_length)
    tokens = sum(len(e.ids) for e in tok.encode_batch(texts))
    ort_embed(sess, tok, texts[:a.batch], batch=a.batch)  # warm-up
    print(f"# bench_short_ort  onnxruntime {ort.__version__}  cpu={cpu_model()!r}  threads={a.threads}  batch={a.batch}  "
          f"max_length={a.max_length}  texts={len(texts)}  tokens={tokens}")
    for run in range(a.runs):
        t0 = time.perf_counter()
        vecs = ort_embed(sess, tok, texts, batch=a.batch, sort=True)
        dt = time.perf_counter() - t0
        print(f"run {run + 1}: {len(texts) / dt:.1f} texts/s  {tokens / dt:.0f} tokens/s  ({dt:.1f} s)")
    if a.vectors_out:
        with open(a.vectors_out, "w", encoding="utf-8") as f:
            for r, v in zip(rows, vecs):
                f.write(json.dumps({"id": r["id"], "vector": [float(x) for x in v]}) + "\n")


if __name__ == "__main__":
    main()
