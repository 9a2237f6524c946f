# gpubox setup prelude: idempotent phases with markers, progress on stdout, a log on the box.
# Each phase prints "gpubox-phase NAME start|done|skip|fail"; gpubox shows them as progress.
# A phase whose marker exists (~/.gpubox/phases/NAME) is skipped: setup can be rerun safely,
# and an image baked from a set-up box skips what it already holds.
set -euo pipefail
GPUBOX_HOME="${HOME}/.gpubox"
mkdir -p "${GPUBOX_HOME}/phases"
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
  # A subshell outside any `if`, so that errexit holds inside the phase's body.
  local status=0
  set +e
  (set -e; "${body}")
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

# notebooks_source: GPUBOX_NOTEBOOKS_DIR as an absolute path (relative ones are under $HOME).
notebooks_source() {
  case "${GPUBOX_NOTEBOOKS_DIR}" in
    /*) echo "${GPUBOX_NOTEBOOKS_DIR}" ;;
    *) echo "${HOME}/${GPUBOX_NOTEBOOKS_DIR}" ;;
  esac
}
