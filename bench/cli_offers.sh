#!/usr/bin/env bash
# Whole-process wall time and peak memory of `gpubox offers` (and, when installed,
# of one AWS CLI call for comparison). Usage: bench/cli_offers.sh [GPUBOX_BINARY]
set -euo pipefail
gpubox=${1:-build/gpubox}
runs=50
measure() {  # measure LABEL CMD...: mean wall ms over $runs runs and peak RSS
  local label=$1; shift
  local start end rss
  start=$(date +%s%N)
  for _ in $(seq "$runs"); do "$@" >/dev/null 2>&1 || true; done
  end=$(date +%s%N)
  rss=$( (/usr/bin/time -f %M "$@" 2>&1 >/dev/null || true) | tail -1)
  printf '%-48s %8.2f ms/run  %8.1f MiB peak RSS\n' "$label" \
    "$(echo "($end - $start) / $runs / 1000000" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
}
measure "gpubox offers (table, limit 20)" "$gpubox" offers
measure "gpubox offers --gpu V100 --json --limit 0" "$gpubox" offers --gpu V100 --json --limit 0
measure "gpubox offers --gpu any --json --limit 0" "$gpubox" offers --json --limit 0
measure "gpubox offers --gpu Q9000 (usage error)" "$gpubox" offers --gpu Q9000
if command -v aws >/dev/null; then
  runs=3 measure "aws --version (for scale)" aws --version
fi
