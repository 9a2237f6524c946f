# shellcheck shell=bash
# gpubox_install_agent USER: installs gpubox's on-box agent (agent.py, gzip then base64 on stdin) as
# root and starts it, now and at every boot: a systemd unit where systemd runs (the AWS
# images), else a script in cloud-init's per-boot directory, which the local cloud's init
# runs at every boot as cloud-init does on EC2. Idempotent. Part of the user data (run once
# per instance, as root, at its first boot), so it needs no sudo on the box. GPUBOX_AGENT_CONF's
# KEY=VALUE lines (idle stop, budget, price) are merged into the user's ~/.gpubox/agent.conf first.
gpubox_install_agent() {
  local user=$1 lib=/usr/local/lib/gpubox hook=/var/lib/cloud/scripts/per-boot/gpubox-agent
  local home conf key value
  home=$(getent passwd "${user}" | cut -d: -f6)
  conf="${home}/.gpubox/agent.conf"
  if [ -n "${GPUBOX_AGENT_CONF:-}" ] && [ -n "${home}" ]; then
    install -d -o "${user}" -g "$(id -g "${user}")" "${home}/.gpubox"
    touch "${conf}"
    while IFS='=' read -r key value; do
      [ -n "${key}" ] || continue
      { grep -v "^${key}=" "${conf}" || true; printf '%s=%s\n' "${key}" "${value}"; } > "${conf}.new"
      mv -f "${conf}.new" "${conf}"
    done <<< "${GPUBOX_AGENT_CONF}"
    chown "${user}:" "${conf}"
  fi
  # This launch's token: the agent counts the box in use until up's first session (prepare.sh)
  # shows the same one.
  if [ -n "${GPUBOX_LAUNCH:-}" ]; then
    mkdir -p /var/lib/gpubox
    printf '%s\n' "${GPUBOX_LAUNCH}" > /var/lib/gpubox/launch
  fi
  mkdir -p "${lib}"
  base64 -d | gunzip > "${lib}/agent.py.new"
  chmod 0755 "${lib}/agent.py.new"
  mv -f "${lib}/agent.py.new" "${lib}/agent.py"
  if [ -d /run/systemd/system ] && command -v systemctl > /dev/null 2>&1; then
    cat > /etc/systemd/system/gpubox-agent.service <<UNIT
[Unit]
Description=gpubox on-box agent (spot notices, job restarts)
After=network-online.target
Wants=network-online.target

[Service]
ExecStart=/usr/bin/python3 ${lib}/agent.py --user ${user}
Restart=always
RestartSec=2
# A restart ends the agent alone, never the jobs it started again.
KillMode=process

[Install]
WantedBy=multi-user.target
UNIT
    systemctl daemon-reload
    systemctl enable gpubox-agent.service
    systemctl restart gpubox-agent.service
  else
    mkdir -p "${hook%/*}"
    cat > "${hook}" <<HOOK
#!/bin/sh
# gpubox's on-box agent, started again if it dies (it exits 0 when one already runs).
(until /usr/bin/python3 ${lib}/agent.py --user ${user}; do sleep 2; done) \\
  >> /var/log/gpubox-agent.log 2>&1 < /dev/null &
HOOK
    chmod 0755 "${hook}"
    "${hook}"
  fi
}
