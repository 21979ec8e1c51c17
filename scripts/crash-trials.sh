#!/usr/bin/env bash
# Run more SIGKILL crash-safety trials than CI does (30): kill the server at random points of a
# sliced open and a sliced close on the simulated venues, restart, reconcile, check the books.
#   scripts/crash-trials.sh [TRIALS] [FIRST_SEED]     e.g. scripts/crash-trials.sh 100
set -euo pipefail
cd "$(dirname "$0")/.."
CRASH_TRIALS="${1:-100}" CRASH_SEED="${2:-1}" \
  cargo test -p server --test crash -- --nocapture 2>&1 | grep -E "crash safety|seed [0-9]+:|test result"
