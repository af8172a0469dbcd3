#!/usr/bin/env python3
"""Cuts short passages from the demo documents for the short-text benchmark: deterministic (seeded),
each 60-480 MiniLM tokens ([CLS] and [SEP] included), cut at word boundaries, lengths uniform.
Writes JSON Lines {"id", "text"}.

usage: make_short_passages.py [--docs src/main/resources/kembed/demo/documents.jsonl]
                              [--count 2000] [--min 60] [--max 480] [--seed 7] [--out scripts/data/short-passages.jsonl]
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
from minilm_common import jar_tokenizer  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", default="src/main/resources/kembed/demo/documents.jsonl")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--min", type=int, default=60)
    ap.add_argument("--max", type=int, default=480)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default="scripts/data/short-passages.jsonl")
    a = ap.parse_args()
    tok = jar_tokenizer(max_length=None)
    docs = [json.loads(line) for line in open(a.docs, encoding="utf-8") if line.strip()]
    encoded = []
    for d in docs:
        e = tok.encode(d["text"], add_special_tokens=False)
        # token i may start a passage iff it starts a word (not a ## continuation)
        starts = [i for i, t in enumerate(e.tokens) if not t.startswith("##")]
        encoded.append((d, e, starts))
    rng = random.Random(a.seed)
    out, tries = [], 0
    while len(out) < a.count:
        tries += 1
        if tries > a.count * 50:
            raise SystemExit(f"only {len(out)} passages after {tries} tries")
        want = rng.randint(a.min, a.max)
        content = want - 2
        fits = [x for x in encoded if len(x[1].ids) >= content]
        if not fits:
            continue
        d, e, starts = fits[rng.randrange(len(fits))]
        s = starts[rng.randrange(len(starts))]
        end = s + content  # exclusive; pull back to a word end
        if end > len(e.ids):
            continue
        while end < len(e.ids) and e.tokens[end].startswith("##"):
            end -= 1
        if end <= s:
            continue
        text = d["text"][e.offsets[s][0]:e.offsets[end - 1][1]]
        n = len(tok.encode(text).ids)
        if not (a.min <= n <= a.max):
            continue
        out.append({"id": f"{d['id']}#{e.offsets[s][0]}-{e.offsets[end - 1][1]}", "text": text, "_n": n})
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as f:
        for p in out:
            f.write(json.dumps({"id": p["id"], "text": p["text"]}, ensure_ascii=False) + "\n")
    ns = sorted(p["_n"] for p in out)
    print(f"wrote {len(out)} passages to {a.out}: tokens min {ns[0]} median {ns[len(ns) // 2]} max {ns[-1]}, "
          f"{sum(ns)} in all, {sum(n > 256 for n in ns)} over 256", file=sys.stderr)


if __name__ == "__main__":
    main()
