# Wires one node of a cluster (`gpubox up NAME --nodes N`), as the box user over SSH (bash -s),
# after gpubox's lines GPUBOX_CLUSTER=NAME GPUBOX_NODE_RANK=I GPUBOX_NODE_IPS=ip0,ip1,...
# (private addresses, node 0 first) GPUBOX_NODE_HOSTS=dns0,dns1,... (their private DNS names,
# or empty) GPUBOX_GPUS_PER_NODE=G. Idempotent (run again after a start: the addresses are
# kept across stop and start, as on EC2).
#  - /etc/hosts (sudo): "IP NAME-I" for every node (and NAME for node 0) with its private DNS
#    name and that name's first label, in a block of its own: torchrun's c10d rendezvous
#    tells the others node 0's own host name, which a resolver may not know (no VPC DNS);
#  - ~/.gpubox/cluster.env: the variables torchrun, gloo and NCCL need, sourced at the top of
#    ~/.bashrc (before its interactive-only return), so that `ssh NODE CMD`, notebooks'
#    terminals and gpubox's jobs (jobs.sh sources it too) see them.
# Prints "gpubox-cluster-wired NAME-I IFACE".
set -eu
IFS=, read -r -a ips <<< "${GPUBOX_NODE_IPS}"
IFS=, read -r -a dns_names <<< "${GPUBOX_NODE_HOSTS:-}"
own_ip=${ips[${GPUBOX_NODE_RANK}]}
# The interface holding this node's private address: gloo and NCCL bind to it (else gloo takes
# whatever the host name resolves to, loopback on many images).
iface=$(ip -o -4 addr show | awk -v ip="${own_ip}" '{split($4, a, "/"); if (a[1] == ip) {print $2; exit}}')
iface=${iface:-eth0}

hosts_block="# gpubox cluster ${GPUBOX_CLUSTER} begin"
for rank in "${!ips[@]}"; do
  names="${GPUBOX_CLUSTER}-${rank}"
  if [ "${rank}" = 0 ]; then names="${names} ${GPUBOX_CLUSTER}"; fi
  dns=${dns_names[${rank}]:-}
  if [ -n "${dns}" ]; then
    names="${names} ${dns}"
    if [ "${dns%%.*}" != "${dns}" ]; then names="${names} ${dns%%.*}"; fi
  fi
  hosts_block="${hosts_block}"$'\n'"${ips[${rank}]} ${names}"
done
hosts_block="${hosts_block}"$'\n'"# gpubox cluster ${GPUBOX_CLUSTER} end"
new_hosts=$(mktemp)
sed "/^# gpubox cluster ${GPUBOX_CLUSTER} begin\$/,/^# gpubox cluster ${GPUBOX_CLUSTER} end\$/d" \
  /etc/hosts > "${new_hosts}"
printf '%s\n' "${hosts_block}" >> "${new_hosts}"
sudo -n cp "${new_hosts}" /etc/hosts
sudo -n chmod 644 /etc/hosts
rm -f "${new_hosts}"

mkdir -p ~/.gpubox
cat > ~/.gpubox/cluster.env.new << EOF
export GPUBOX_CLUSTER=${GPUBOX_CLUSTER}
export GPUBOX_NODE_IPS=${GPUBOX_NODE_IPS}
export GPUBOX_NODE_RANK=${GPUBOX_NODE_RANK}
export GPUBOX_NUM_NODES=${#ips[@]}
export GPUBOX_GPUS_PER_NODE=${GPUBOX_GPUS_PER_NODE}
export GPUBOX_MASTER_ADDR=${ips[0]}
export GLOO_SOCKET_IFNAME=${iface}
export NCCL_SOCKET_IFNAME=${iface}
EOF
mv -f ~/.gpubox/cluster.env.new ~/.gpubox/cluster.env
source_line='[ -r ~/.gpubox/cluster.env ] && . ~/.gpubox/cluster.env  # gpubox cluster'
if ! grep -qF "${source_line}" ~/.bashrc 2> /dev/null; then
  { printf '%s\n' "${source_line}"; cat ~/.bashrc 2> /dev/null || true; } > ~/.bashrc.new
  mv -f ~/.bashrc.new ~/.bashrc
fi
echo "gpubox-cluster-wired ${GPUBOX_CLUSTER}-${GPUBOX_NODE_RANK} ${iface}"
