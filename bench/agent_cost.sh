#!/usr/bin/env bash
# What the on-box agent costs the box (issue 9 item 4, issue 10's closing note): on a private
# local cloud (root), a box with no setup (the agent comes with the user data), a running job
# for the agent to watch, then the agent's CPU time (utime+stime from /proc, its reaped
# children's too: ss, nvidia-smi) over a window and its resident memory, at the default
# intervals (IMDS and jobs 5 s, idle 30 s, budget 10 s) and with all at 1 s. Measured, never
# asserted.
# Usage: bench/agent_cost.sh [GPUBOX_BINARY] [WINDOW_SECONDS]
set -uo pipefail
gpubox=$(realpath "${1:-build/gpubox}")
window_s=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/../tests/e2e/local_cloud_env.sh"

"$gpubox" up cost --no-setup >/dev/null 2>&1 || { echo "up failed"; exit 1; }
"$gpubox" run cost --name idle -- sleep 3600 >/dev/null 2>&1
# On the box: the agent's pid, its CPU ticks before and after the window, its RSS and peak.
# shellcheck disable=SC2016  # expanded on the box
measure='pid=$(jq -r .pid /run/gpubox-agent/status.json); hz=$(getconf CLK_TCK)
  ticks() { awk "{print \$14 + \$15 + \$16 + \$17}" "/proc/$pid/stat"; }
  before=$(ticks); sleep "$1"; after=$(ticks)
  echo "cpu_ms=$(( (after - before) * 1000 / hz )) window_s=$1" \
    "rss_kib=$(awk "/^VmRSS/ {print \$2}" "/proc/$pid/status")" \
    "peak_kib=$(awk "/^VmHWM/ {print \$2}" "/proc/$pid/status")"'
for poll_s in 5 1; do
  idle_s=$((poll_s == 5 ? 30 : 1)) budget_s=$((poll_s == 5 ? 10 : 1))
  "$gpubox" exec cost -- sh -c "printf 'poll_s=$poll_s\njobs_s=$poll_s\nidle_poll_s=$idle_s\nbudget_poll_s=$budget_s\nmax_hours=10\n' > ~/.gpubox/agent.conf"
  sleep 1
  result=$("$gpubox" exec cost -- bash -c "$measure" _ "$window_s")
  cpu_ms=$(sed -n 's/.*cpu_ms=\([0-9]*\).*/\1/p' <<<"$result")
  echo "agent, IMDS/jobs every ${poll_s} s, idle every ${idle_s} s, budget every ${budget_s} s, ${window_s} s window: $result" \
    "-> $(awk -v c="$cpu_ms" -v w="$window_s" 'BEGIN {printf "%.3f", c / (w * 10)}')% of one core"
done
"$gpubox" down cost --yes >/dev/null 2>&1
