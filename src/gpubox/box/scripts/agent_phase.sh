# shellcheck shell=bash
# The setup phase "agent" (both clouds), as the box user: the on-box agent itself comes with
# the user data (agent_install.sh, as root, at first boot); this phase writes its settings
# (~/.gpubox/agent.conf, durations in seconds), lets open notebooks show its warnings
# (~/.jupyter/custom/custom.js, notice_custom.js) and checks that it runs.
# Inputs: GPUBOX_AGENT_POLL_S, GPUBOX_AGENT_WAIT_S; gpubox_notice_js prints the custom.js.

# agent_conf_set KEY VALUE: one setting in ~/.gpubox/agent.conf, other keys kept.
agent_conf_set() {
  local conf="${HOME}/.gpubox/agent.conf"
  mkdir -p "${HOME}/.gpubox"
  touch "${conf}"
  { grep -v "^$1=" "${conf}" || true; printf '%s=%s\n' "$1" "$2"; } > "${conf}.new"
  mv -f "${conf}.new" "${conf}"
}

phase_agent() {
  agent_conf_set poll_s "${GPUBOX_AGENT_POLL_S:-5}"
  agent_conf_set jobs_s "${GPUBOX_AGENT_POLL_S:-5}"
  mkdir -p "${HOME}/.jupyter/custom"
  gpubox_notice_js > "${HOME}/.jupyter/custom/custom.js"
  local waited=0 pid=""
  while [ "${waited}" -lt "$((${GPUBOX_AGENT_WAIT_S:-120} * 10))" ]; do
    pid=$(sed -n 's/.*"pid": \([0-9]*\).*/\1/p' /run/gpubox-agent/status.json 2> /dev/null || true)
    if [ -n "${pid}" ] && [ -d "/proc/${pid}" ]; then
      echo "agent running (pid ${pid}), IMDS polled every ${GPUBOX_AGENT_POLL_S:-5} s"
      return 0
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  echo "the on-box agent is not running (the user data starts it at first boot)"
  return 1
}
