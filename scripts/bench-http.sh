#!/usr/bin/env bash
# The HTTP edge under load: the release server on an empty data directory (simulated venues),
# an admin creates a viewer API token, then wrk (2 threads, 32 connections, 10 s, loopback) on
# /health (no authentication) and on /positions and /funding-rates with the viewer's token,
# one after the other in the same run. Needs `wrk`, `curl` and `python3`.
#   scripts/bench-http.sh [SERVER_BINARY]      (default: target/release/server)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$(realpath "${1:-$root/target/release/server}")"
port="${BENCH_PORT:-18080}"
base="http://127.0.0.1:$port/api/v1"
dir="$(mktemp -d)"
cd "$dir"
ARB_ADMIN_PASSWORD=bench-admin-password ARB__SERVER__PORT="$port" "$bin" >server.log 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

until curl -sf "$base/health" >/dev/null; do sleep 0.2; done
login='{"username":"admin","password":"bench-admin-password"}'
csrf="$(curl -sf -c jar -H 'content-type: application/json' -d "$login" "$base/auth/login" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')"
token="$(curl -sf -b jar -H "x-csrf-token: $csrf" -H 'content-type: application/json' \
  -d '{"name":"bench","role":"viewer"}' "$base/tokens" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
auth="Authorization: Bearer $token"
# The board fills once the collector has discovered both venues' markets.
until curl -sf -H "$auth" "$base/funding-rates" | grep -q '"symbol"'; do sleep 0.5; done
rows="$(curl -sf -H "$auth" "$base/funding-rates" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rows"]))')"
echo "server $bin; board: $rows rows"

run() {
  local path="$1"; shift
  local out
  out="$(wrk -t2 -c32 -d10s "$@" "$base$path")"
  printf '%-16s %12s req/s   latency avg %s\n' "$path" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" "$(awk '/Latency/ {print $2; exit}' <<<"$out")"
  grep -q 'Non-2xx' <<<"$out" && { echo "non-2xx answers on $path:"; echo "$out"; exit 1; }
  return 0
}
run /health
run /positions -H "$auth"
run /funding-rates -H "$auth"
