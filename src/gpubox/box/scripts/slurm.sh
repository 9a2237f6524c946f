# shellcheck shell=bash
# Slurm on a cluster (`gpubox up NAME --nodes N --scheduler slurm`), run on one node as the box
# user over SSH (bash -s), after scripts/cluster.sh wired it, in two steps given by gpubox's
# line GPUBOX_SLURM_STEP=...:
#  - install (every node): slurm-wlm and munge from the distribution's packages, unless there
#    (local instances see the host's). Prints "gpubox-slurm-hw CPUs=.. Boards=.. ...
#    RealMemory=.." (`slurmd -C`: this node's hardware, 95% of its memory; every node is of
#    one type), "gpubox-slurm-host HOST" (its host name: slurmctld runs only where it
#    matches) and "gpubox-slurm-gpus G" (the GPUs nvidia-smi lists; 0 without a driver).
#  - configure (every node, node 0 first), after the lines GPUBOX_CLUSTER, GPUBOX_NODE_RANK,
#    GPUBOX_NODE_IPS (node 0 first), GPUBOX_GPUS_PER_NODE, GPUBOX_SLURM_HW (node 0's line),
#    GPUBOX_SLURM_CONTROLLER (node 0's host name) and GPUBOX_MUNGE_KEY (the cluster's one key, hex, never printed): the munge key,
#    /etc/slurm/slurm.conf (the same on every node: slurmctld on node 0, node NAME-i at its
#    private address, one default partition NAME of all nodes, GPUs as GRES gpu:G),
#    gres.conf, and the daemons: munged, slurmd -N NAME-i, and slurmctld on node 0, started
#    now and at every boot (systemd where it runs; else cloud-init's per-boot directory, as on
#    local instances). Idempotent: run again, it rewrites the same files and restarts them.
#    Prints "gpubox-slurm-configured NAME-I".
set -euo pipefail
step=${GPUBOX_SLURM_STEP:?}
# The daemons live in sbin, which a login user's PATH may lack.
export PATH="${PATH}:/usr/sbin:/sbin"

if [ "${step}" = install ]; then
  if ! command -v slurmctld > /dev/null || ! command -v slurmd > /dev/null ||
    ! command -v munged > /dev/null || ! command -v srun > /dev/null; then
    # No prompt, no service-restart dialog; apt reads /dev/null, never the rest of this script.
    export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a
    sudo -n -E apt-get -o DPkg::Lock::Timeout=300 update -q > /dev/null < /dev/null
    sudo -n -E apt-get -o DPkg::Lock::Timeout=300 install -y -q slurm-wlm munge > /dev/null < /dev/null
  fi
  hw=$(slurmd -C | head -n 1)
  hw=${hw#NodeName=* }
  # 95% of the memory slurmd sees: instances of one type differ by a few MiB, and a node with
  # less than its configured memory is drained.
  memory=${hw##*RealMemory=}
  memory=${memory%% *}
  echo "gpubox-slurm-hw ${hw%RealMemory=*}RealMemory=$((memory * 95 / 100))"
  echo "gpubox-slurm-host $(hostname -s)"
  gpus=0
  if command -v nvidia-smi > /dev/null; then gpus=$(nvidia-smi -L 2> /dev/null | grep -c '^GPU ' || true); fi
  echo "gpubox-slurm-gpus ${gpus}"
  exit 0
fi

IFS=, read -r -a ips <<< "${GPUBOX_NODE_IPS}"
name="${GPUBOX_CLUSTER}-${GPUBOX_NODE_RANK}"
gpus=${GPUBOX_GPUS_PER_NODE:-0}
conf=$(mktemp)
{
  echo "# gpubox: Slurm for cluster ${GPUBOX_CLUSTER} (rewritten by gpubox up)"
  echo "ClusterName=${GPUBOX_CLUSTER}"
  echo "SlurmctldHost=${GPUBOX_SLURM_CONTROLLER}(${ips[0]})"
  echo "AuthType=auth/munge"
  echo "CryptoType=crypto/munge"
  echo "SlurmUser=slurm"
  echo "SlurmctldPort=6817"
  echo "SlurmdPort=6818"
  echo "StateSaveLocation=/var/lib/slurm/slurmctld"
  echo "SlurmdSpoolDir=/var/lib/slurm/slurmd"
  echo "SlurmctldPidFile=/run/slurmctld.pid"
  echo "SlurmdPidFile=/run/slurmd.pid"
  echo "SlurmctldLogFile=/var/log/slurm/slurmctld.log"
  echo "SlurmdLogFile=/var/log/slurm/slurmd.log"
  # Processes tracked by their parentage: works on every image, in containers too.
  echo "ProctrackType=proctrack/linuxproc"
  echo "TaskPlugin=task/none"
  echo "MpiDefault=none"
  echo "ReturnToService=2"
  echo "SchedulerType=sched/backfill"
  echo "SelectType=select/cons_tres"
  echo "SelectTypeParameters=CR_Core"
  echo "SlurmdTimeout=120"
  echo "InactiveLimit=0"
  echo "KillWait=10"
  gres=""
  if [ "${gpus}" -gt 0 ]; then
    echo "GresTypes=gpu"
    gres=" Gres=gpu:${gpus}"
  fi
  for rank in "${!ips[@]}"; do
    echo "NodeName=${GPUBOX_CLUSTER}-${rank} NodeAddr=${ips[${rank}]} ${GPUBOX_SLURM_HW}${gres} State=UNKNOWN"
  done
  echo "PartitionName=${GPUBOX_CLUSTER} Nodes=ALL Default=YES MaxTime=INFINITE State=UP"
} > "${conf}"
# Slurm's cgroup plugins are not used (see ProctrackType), but slurmd loads one at start.
cgroup_conf=$(mktemp)
printf 'CgroupPlugin=cgroup/v1\nCgroupAutomount=no\n' > "${cgroup_conf}"
gres_conf=$(mktemp)
if [ "${gpus}" -gt 0 ]; then
  echo "Name=gpu File=/dev/nvidia[0-$((gpus - 1))]" > "${gres_conf}"
fi

# The key travels in a file only this user (and root) reads, never on a command line.
key_file=$(mktemp)
# Whatever happens below, no copy of the key or the configuration stays in /tmp.
trap 'rm -f "${conf}" "${gres_conf}" "${cgroup_conf}" "${key_file}"' EXIT
chmod 0600 "${key_file}"
printf '%s' "${GPUBOX_MUNGE_KEY}" > "${key_file}"
sudo -n bash -s "${name}" "${GPUBOX_NODE_RANK}" "${conf}" "${gres_conf}" "${cgroup_conf}" \
  "${key_file}" << 'ROOT'
set -eu
name=$1 rank=$2 conf=$3 gres_conf=$4 cgroup_conf=$5 key_file=$6
umask 022
mkdir -p /etc/slurm /etc/munge /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /var/log/slurm \
  /var/log/munge /var/lib/munge /run/munge
install -m 0644 "${conf}" /etc/slurm/slurm.conf
if [ -s "${gres_conf}" ]; then install -m 0644 "${gres_conf}" /etc/slurm/gres.conf; else rm -f /etc/slurm/gres.conf; fi
install -m 0644 "${cgroup_conf}" /etc/slurm/cgroup.conf
chown slurm:slurm /var/lib/slurm/slurmctld /var/log/slurm
chown munge:munge /etc/munge /var/log/munge /var/lib/munge /run/munge
chmod 0700 /etc/munge /var/log/munge /var/lib/munge
install -m 0400 -o munge -g munge "${key_file}" /etc/munge/munge.key.new
mv -f /etc/munge/munge.key.new /etc/munge/munge.key
echo "SLURMD_OPTIONS=\"-N ${name}\"" > /etc/default/slurmd

if [ -d /run/systemd/system ]; then
  units="munge slurmd"
  if [ "${rank}" = 0 ]; then
    units="munge slurmctld slurmd"
  else
    # The package enables slurmctld everywhere; only node 0 runs it.
    systemctl disable --now slurmctld > /dev/null 2>&1 || true
  fi
  if [ -s /etc/slurm/gres.conf ]; then
    # At boot the GPUs' device files may not exist yet when slurmd starts, and slurmd refuses
    # a GRES whose File= is missing: nvidia-smi loads the driver and makes them first.
    mkdir -p /etc/systemd/system/slurmd.service.d
    printf '[Service]\nExecStartPre=-/usr/bin/nvidia-smi -L\n' \
      > /etc/systemd/system/slurmd.service.d/gpubox-gpus.conf
  else
    rm -f /etc/systemd/system/slurmd.service.d/gpubox-gpus.conf
  fi
  systemctl daemon-reload
  # shellcheck disable=SC2086  # a list of units
  systemctl enable ${units} > /dev/null 2>&1
  # shellcheck disable=SC2086
  systemctl restart ${units}
  exit 0
fi
# No systemd: a per-boot script (cloud-init runs them on every boot; so do local instances).
boot=/var/lib/cloud/scripts/per-boot/gpubox-slurm
mkdir -p "$(dirname "${boot}")"
cat > "${boot}.new" << EOF
#!/bin/sh
# gpubox: Slurm's daemons for ${name}, restarted (rewritten by gpubox up).
for pidfile in /run/slurmd.pid /run/slurmctld.pid /run/munge/munged.pid; do
  pid=\$(cat "\$pidfile" 2> /dev/null) || continue
  kill "\$pid" 2> /dev/null || continue
  for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    kill -0 "\$pid" 2> /dev/null || break
    sleep 0.5
  done
done
mkdir -p /run/munge && chown munge:munge /run/munge
su -s /bin/sh munge -c /usr/sbin/munged
$(if [ "${rank}" = 0 ]; then echo "/usr/sbin/slurmctld"; fi)
$(if [ -s /etc/slurm/gres.conf ]; then echo "nvidia-smi -L > /dev/null 2>&1 || true"; fi)
/usr/sbin/slurmd -N ${name}
EOF
chmod 0755 "${boot}.new"
mv -f "${boot}.new" "${boot}"
"${boot}" > /var/log/slurm/gpubox-boot.log 2>&1
ROOT
echo "gpubox-slurm-configured ${name}"
