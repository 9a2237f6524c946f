# gpubox setup prelude: idempotent phases with markers, progress on stdout, a log on the box.
# Each phase prints "gpubox-phase NAME start|done|skip|fail"; gpubox shows them as progress.
# Other marker lines gpubox reads (everything else is the phase's output):
#   gpubox-command-failed EXIT COMMAND   the command that failed the phase (first one counts)
#   gpubox-retry TRY TRIES DELAY EXIT COMMAND   a network command failed; try TRY follows
#   gpubox-offline HOST WHY              the phase needs HOST and the box cannot reach it
# A phase whose marker exists (~/.gpubox/phases/NAME) is skipped: setup can be rerun safely,
# and an image baked from a set-up box skips what it already holds.
set -euo pipefail
GPUBOX_HOME="${HOME}/.gpubox"
mkdir -p "${GPUBOX_HOME}/phases"
# While this session lives, the box's agent counts it as in use (a phase may be silent).
echo "$$" > "${GPUBOX_HOME}/setup.pid"
exec > >(tee -a "${GPUBOX_HOME}/setup.log") 2>&1

# run_phase NAME FUNCTION: runs FUNCTION once per box (and per image made from it).
# With GPUBOX_ONLY_PHASE set, every other phase is passed over in silence.
run_phase() {
  local name=$1 body=$2
  if [ -n "${GPUBOX_ONLY_PHASE:-}" ] && [ "${GPUBOX_ONLY_PHASE}" != "${name}" ]; then
    return 0
  fi
  if [ -e "${GPUBOX_HOME}/phases/${name}" ]; then
    echo "gpubox-phase ${name} skip"
    return 0
  fi
  echo "gpubox-phase ${name} start"
  # A subshell outside any `if`, so that errexit holds inside the phase's body; the ERR
  # trap (inherited by functions: -E) names the command that failed it.
  local status=0
  set +e
  (set -eE; trap 'gpubox_command_failed $? "${BASH_COMMAND}"' ERR; "${body}")
  status=$?
  set -e
  if [ "${status}" = 0 ]; then
    date -u +%Y-%m-%dT%H:%M:%SZ > "${GPUBOX_HOME}/phases/${name}"
    echo "gpubox-phase ${name} done"
  else
    echo "gpubox-phase ${name} fail"
    exit 1
  fi
}

# gpubox_command_failed EXIT COMMAND: the ERR trap's marker (a function's `return N` is
# not a command of its own: the command inside it has been named already).
gpubox_command_failed() {
  case "$2" in return*) return 0 ;; esac
  echo "gpubox-command-failed $1 $2"
}

# net_retry COMMAND ARGS...: a command that needs the network (a download, a package index,
# pip), retried on failure: GPUBOX_NET_TRIES tries in all, GPUBOX_NET_BACKOFF_S seconds
# before the second, twice that before the third, and so on. A failure that no retry can
# mend (wget: usage, file I/O, TLS or authentication errors; a missing command) ends it.
net_retry() {
  local try=1 delay=${GPUBOX_NET_BACKOFF_S:-5} status
  while true; do
    status=0
    "$@" || status=$?
    if [ "${status}" = 0 ]; then return 0; fi
    if [ "${try}" -ge "${GPUBOX_NET_TRIES:-4}" ] || ! net_retryable "$1" "${status}"; then
      echo "gpubox-command-failed ${status} $*"
      return "${status}"
    fi
    try=$((try + 1))
    echo "gpubox-retry ${try} ${GPUBOX_NET_TRIES:-4} ${delay} ${status} $*"
    sleep "${delay}"
    delay=$((delay * 2))
  done
}

net_retryable() {  # COMMAND STATUS
  if [ "$2" -ge 126 ]; then return 1; fi  # not found, not executable, killed
  if [ "$1" = wget ]; then [ "$2" = 4 ] || [ "$2" = 8 ]; fi  # network failure, server error
}

# need_internet HOST: called before a phase's first download. A box with no route off it
# (the local cloud's instances) or that cannot reach HOST (after net_retry's tries) says so
# in one line ("gpubox-offline HOST WHY") instead of failing inside a download.
need_internet() {
  local host=$1
  if command -v ip > /dev/null 2>&1 &&
    [ -z "$(ip -4 route show default 2> /dev/null)$(ip -6 route show default 2> /dev/null)" ]; then
    echo "gpubox-offline ${host} no route off this box"
    return 1
  fi
  if ! net_retry reach_host "${host}"; then
    echo "gpubox-offline ${host} no answer on port 443 after ${GPUBOX_NET_TRIES:-4} tries"
    return 1
  fi
}

reach_host() {  # HOST: a TCP connection to HOST:443 within GPUBOX_NET_PROBE_S seconds
  # shellcheck disable=SC2016  # $1 is the inner shell's
  timeout "${GPUBOX_NET_PROBE_S:-10}" bash -c 'exec 3<> "/dev/tcp/$1/443"' _ "$1"
}

# notebooks_source: GPUBOX_NOTEBOOKS_DIR as an absolute path (relative ones are under $HOME).
notebooks_source() {
  case "${GPUBOX_NOTEBOOKS_DIR}" in
    /*) echo "${GPUBOX_NOTEBOOKS_DIR}" ;;
    *) echo "${HOME}/${GPUBOX_NOTEBOOKS_DIR}" ;;
  esac
}
