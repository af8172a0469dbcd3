#!/usr/bin/env bash
# Median latency of one short POST /embed at a time against `kembed serve` on the demo model, as a
# client sees it (curl's time_total): run it from two checkouts in one session to compare builds.
#   scripts/bench/query_latency.sh [checkout dir] [port]
set -euo pipefail
dir="${1:-.}"
port="${2:-18283}"
model="$(cd "$(dirname "$0")/../.." && pwd)/models/minilm-long"
cd "$dir"
./kembed serve --model "$model" --port "$port" > "/tmp/kembed-serve-$port.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -s "localhost:$port/health" > /dev/null && break; sleep 1; done
for _ in $(seq 30); do
  curl -s -o /dev/null -w "%{time_total}\n" "localhost:$port/embed" -H 'Content-Type: application/json' \
    -d '{"inputs": "what is the population of zurich in winter"}'
done | tail -25 | sort -n | awk '{a[NR]=$1} END {print "median_s", a[int((NR+1)/2)], "max_s", a[NR]}'
