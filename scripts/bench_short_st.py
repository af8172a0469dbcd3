#!/usr/bin/env python3
"""Peer benchmark, short texts: sentence-transformers encode() on a `kembed model minilm` directory
(all-MiniLM-L6-v2 as itself: max_seq_length 256, mean pooling, normalize), torch CPU fp32, batch 32,
2 threads. encode() sorts by length itself and tokenizes inside the timing. Prints texts/s per run
after one warm-up batch; --vectors-out writes {"id", "vector"} JSON Lines for a parity check
(compare with bench_short_ort.py --vectors-out).

usage: bench_short_st.py DIR [--passages scripts/data/short-passages.jsonl] [--batch 32] [--threads 2]
                             [--runs 1] [--vectors-out FILE.jsonl] [--compare ORT_VECTORS.jsonl]
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from bench_short_ort import cpu_model  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--passages", default="scripts/data/short-passages.jsonl")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--vectors-out")
    ap.add_argument("--compare", help="vectors from bench_short_ort.py --vectors-out: print the worst difference")
    a = ap.parse_args()
    import numpy as np
    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(a.threads)
    rows = [json.loads(line) for line in open(a.passages, encoding="utf-8") if line.strip()]
    texts = [r["text"] for r in rows]
    model = SentenceTransformer(a.dir, device="cpu")
    tokens = sum(min(len(ids), model.max_seq_length) for ids in model.tokenizer(texts, add_special_tokens=True)["input_ids"])
    model.encode(texts[:a.batch], batch_size=a.batch)  # warm-up
    print(f"# bench_short_st  sentence-transformers {sentence_transformers.__version__}  torch {torch.__version__}  "
          f"cpu={cpu_model()!r}  threads={a.threads}  batch={a.batch}  max_seq_length={model.max_seq_length}  "
          f"texts={len(texts)}  tokens={tokens}")
    with torch.inference_mode():
        for run in range(a.runs):
            t0 = time.perf_counter()
            vecs = model.encode(texts, batch_size=a.batch, convert_to_numpy=True)
            dt = time.perf_counter() - t0
            print(f"run {run + 1}: {len(texts) / dt:.1f} texts/s  {tokens / dt:.0f} tokens/s  ({dt:.1f} s)")
    if a.vectors_out:
        with open(a.vectors_out, "w", encoding="utf-8") as f:
            for r, v in zip(rows, vecs):
                f.write(json.dumps({"id": r["id"], "vector": [float(x) for x in v]}) + "\n")
    if a.compare:
        ref = {}
        for line in open(a.compare, encoding="utf-8"):
            o = json.loads(line)
            ref[o["id"]] = np.asarray(o["vector"], dtype=np.float32)
        diffs = [float(np.max(np.abs(v - ref[r["id"]]))) for r, v in zip(rows, vecs)]
        cos = [float(np.dot(v, ref[r["id"]])) for r, v in zip(rows, vecs)]
        print(f"vs {a.compare}: worst max_abs_diff {max(diffs):.3e}, min cosine {min(cos):.8f} over {len(diffs)} texts")


if __name__ == "__main__":
    main()
