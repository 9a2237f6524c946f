#!/usr/bin/env bash
# The on-box agent's watchers (box/scripts/agent.py) with the real jobs.sh, a fake IMDS and
# a scratch home: notices handled once (across a reboot), SIGTERM and the interrupted mark,
# restarts at boot by policy, on-failure restarts up to the cap, the events; idle auto-stop
# and the budget (agent_idle_check.py). Needs root (the agent drops privileges to run jobs.sh).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ]; then
  echo "skipped: the agent runs as root"
  exit 0
fi
scripts="$here/../../src/gpubox/box/scripts"
/usr/bin/python3 "$here/agent_idle_check.py" "$scripts/agent.py"
idle=$?
/usr/bin/python3 "$here/agent_logic_check.py" "$scripts/agent.py" "$scripts/jobs.sh" || exit 1
exit "$idle"
