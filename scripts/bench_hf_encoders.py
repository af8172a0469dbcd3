#!/usr/bin/env python3
"""Peer benchmark, never a dependency of kembed: Hugging Face transformers' own model class on a
checkpoint directory `kembed model random --preset bert-base|mpnet-base|qwen3-0.6b` wrote (random
weights, sdpa attention, torch CPU), timed at the lengths given, batch 1, printed in the columns of
`kembed bench engine` so the two can be set side by side. --bf16 adds torch's bf16 autocast (only
meaningful on a CPU with AVX512-BF16 or AMX).

Install as ../shared/NOTES.md describes (a venv from the local package index), then:
    VENV/bin/python scripts/bench_hf_encoders.py models/bert-base --lengths 512 --threads 2 --iterations 3
"""
import argparse
import statistics
import time

import torch
from transformers import AutoConfig, AutoModel


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--lengths", default="512")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--bf16", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    cfg = AutoConfig.from_pretrained(a.dir)
    try:
        model = AutoModel.from_pretrained(a.dir, config=cfg, attn_implementation="sdpa").eval()
    except ValueError:  # MPNet has no sdpa path in transformers 5.18: its own (eager) attention
        model = AutoModel.from_pretrained(a.dir, config=cfg, attn_implementation="eager").eval()
    print(f"# transformers {type(model).__name__}  torch {torch.__version__}  threads={a.threads}  attn={model.config._attn_implementation}  "
          f"precision={'bf16 autocast' if a.bf16 else 'fp32'}")
    print(f"{'length':<8} {'batch':<6} {'median_ms':<12} {'tokens/s':<12} runs_ms")
    for length in [int(x) for x in a.lengths.split(",")]:
        ids = torch.randint(4, min(cfg.vocab_size, 30000), (1, length))
        mask = torch.ones_like(ids)
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
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
