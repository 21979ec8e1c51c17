#!/usr/bin/env bash
# The backtester's speed, with the release binary on an empty database (the embedded year):
#  1. the whole year × every symbol × both venues, marks every minute, single-threaded;
#  2. the same at hourly resolution;
#  3. a 16-point sweep at hourly resolution on 2 threads, against the same 16 points one after
#     the other (--threads 1).
# Each line: wall seconds (from `date`), the report's engine events and elapsed_ms, events/s.
#   scripts/bench-backtest.sh [SERVER_BINARY]      (default: target/release/server)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$(realpath "${1:-$root/target/release/server}")"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
export ARB__DATABASE__URL="sqlite://$dir/arb.db?mode=rwc" RUST_LOG=warn
# The window every symbol covers on both venues (some recordings end on 2026-06-23).
from="${BENCH_FROM:-2025-08-22}" to="${BENCH_TO:-2026-06-23}"

run() { # name, then the command's flags
  local name="$1"; shift
  local start end
  start=$(date +%s.%N)
  "$bin" backtest --from "$from" --to "$to" "$@" --out "$dir/$name" >"$dir/$name.out" 2>"$dir/$name.err"
  end=$(date +%s.%N)
  python3 - "$dir/$name/report.json" "$start" "$end" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
ev, ms = r["events"], r["elapsed_ms"]
print(f'{sys.argv[4]:<12} wall {wall:6.2f} s  run {ms/1000:6.2f} s  symbols {len(r["symbols"])}  '
      f'events {ev:>11,}  {ev/(ms/1000):>12,.0f} events/s  positions {r["positions"]}  net {r["net"]}')
PY
}

sweep=(--sweep entry_min_apr=0.05,0.1,0.2,0.3 --sweep max_holding_hours=24,48,72,168)
run minute --resolution 1m
run hour --resolution 1h
for threads in 2 1; do
  start=$(date +%s.%N)
  "$bin" backtest --from "$from" --to "$to" --resolution 1h "${sweep[@]}" --threads "$threads" \
    --out "$dir/sweep$threads" >"$dir/sweep$threads.out" 2>/dev/null
  end=$(date +%s.%N)
  python3 -c "import sys; print(f'sweep 16 on {sys.argv[1]} thread(s): wall {float(sys.argv[3]) - float(sys.argv[2]):6.2f} s')" \
    "$threads" "$start" "$end"
done
head -4 "$dir/sweep2.out"
