#!/usr/bin/env bash
# Instructions the backtester spends per minute step, counted by valgrind (callgrind): a
# figure that does not move with the machine's load, unlike wall time. A 3-day and a 1-day
# window at 1m are run on an empty database; their difference, over the 2 extra days of
# 1,440 steps, leaves out loading the history and writing the report.
#   scripts/backtest-instructions.sh [SERVER_BINARY]   (default: target/release/server)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$(realpath "${1:-$root/target/release/server}")"
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
export ARB__DATABASE__URL="sqlite://$dir/arb.db?mode=rwc" RUST_LOG=warn
count() { # the window's last day
  valgrind --tool=callgrind --callgrind-out-file="$dir/cg.$1" "$bin" backtest --from 2025-09-01 --to "$1" \
    --resolution 1m --out "$dir/out.$1" 2>&1 >/dev/null | sed -n 's/.*Collected : //p'
}
one=$(count 2025-09-02)
three=$(count 2025-09-04)
python3 -c "import sys; d = (int(sys.argv[2]) - int(sys.argv[1])) / 2; print(f'{d / 1440:,.0f} instructions per 1m step ({d / 1e6:,.1f} M per simulated day)')" "$one" "$three"
