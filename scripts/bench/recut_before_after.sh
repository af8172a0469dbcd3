#!/usr/bin/env bash
# Issue 24 item 6: kembed bench engine and bench stream, the commit before the re-cut against this checkout, alternating, two rounds.
# Run from the repository root with BEFORE = a built worktree of the earlier commit:
#   git worktree add /tmp/before f86dd55 && (cd /tmp/before && mvn -q -DskipTests package)
#   BEFORE=/tmp/before scripts/bench/recut_before_after.sh
set -u
AFTER=$PWD
M=${M:-$PWD/models/minilm-long}
lscpu | grep -E 'Model name|^CPU\(s\)|Flags' | cut -c1-400
for round in 1 2; do
  for side in before after; do
    dir=$BEFORE; [ $side = after ] && dir=$AFTER
    echo "=== round $round: $side ($(cd "$dir" && git rev-parse --short HEAD)) bench engine"
    (cd "$dir" && ./kembed bench engine --model "$M" --lengths 512,4096 --batch 1 --iterations 3 --threads 2 2>&1 | grep -E '^(length|512|4096|matmul)')
  done
  for side in before after; do
    dir=$BEFORE; [ $side = after ] && dir=$AFTER
    echo "=== round $round: $side ($(cd "$dir" && git rev-parse --short HEAD)) bench stream"
    (cd "$dir" && ./kembed bench stream --model "$M" --copies 2 2>&1 | grep -E '^(direct|stream |stream/direct|batches)')
  done
done
