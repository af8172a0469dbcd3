#!/usr/bin/env python3
"""Peer benchmark, never a dependency of kembed: Hugging Face transformers' own ModernBertModel
(ModernBERT-base shapes, random weights, sdpa attention, torch CPU) timed at the lengths given,
printed in the columns of `kembed bench engine` so the two can be set side by side.

Install as ../shared/NOTES.md describes (a venv from the local package index), then:
    VENV/bin/python scripts/bench_hf_modernbert.py --lengths 512,4096,8192 --threads 2 --iterations 3
"""
import argparse
import statistics
import time

import torch
from transformers import ModernBertConfig, ModernBertModel


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lengths", default="512,4096,8192")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(7)
    # ModernBERT-base: 22 layers, 768 wide, GeGLU 1152, local window 128 with a global layer every 3, 8192 positions
    cfg = ModernBertConfig(vocab_size=50368, hidden_size=768, intermediate_size=1152, num_hidden_layers=22, num_attention_heads=12,
                           max_position_embeddings=8192, local_attention=128,
                           layer_types=["full_attention" if i % 3 == 0 else "sliding_attention" for i in range(22)])
    cfg._attn_implementation = "sdpa"
    model = ModernBertModel(cfg).eval()
    print(f"# transformers ModernBertModel  torch {torch.__version__}  threads={a.threads}  attn=sdpa  layers=22 hidden=768")
    print(f"{'length':<8} {'batch':<6} {'median_ms':<12} {'tokens/s':<12} runs_ms")
    for length in [int(x) for x in a.lengths.split(",")]:
        ids = torch.randint(4, 30000, (1, length))
        ids[0, 0] = 50281
        ids[0, -1] = 50282
        mask = torch.ones_like(ids)
        with torch.inference_mode():
            model(input_ids=ids, attention_mask=mask)  # warm-up
            runs = []
            for _ in range(a.iterations):
                t0 = time.perf_counter()
                model(input_ids=ids, attention_mask=mask)
                runs.append((time.perf_counter() - t0) * 1000)
        med = statistics.median(runs)
        print(f"{length:<8} {1:<6} {med:<12.1f} {length / (med / 1000):<12.0f} {[round(r) for r in runs]}", flush=True)


if __name__ == "__main__":
    main()
