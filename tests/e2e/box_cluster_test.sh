#!/usr/bin/env bash
# Multi-node clusters (issue 12) on the local cloud: `up c --nodes 2` is one RunInstances of
# two instances in the cluster placement group gpubox-c, behind one security group gpubox-c
# (SSH from the caller only, all traffic between its members); the nodes are boxes c and c-1
# (ls: cluster, node), each reachable by exec and ssh; /etc/hosts names c, c-0 and c-1 and
# ~/.gpubox/cluster.env gives rank, size and addresses to non-interactive shells; the nodes
# reach each other on any port, the caller only on 22, a box outside the cluster on none;
# stop/start take the whole cluster (a single node is refused); down leaves no instance,
# group, key pair or placement group; too little capacity for all nodes launches none (exit
# 5); --nodes 0 is a usage error. Figure: how long `up c --nodes 2 --no-setup` took.
set -uo pipefail
gpubox=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/local_cloud_env.sh"

aws_ec2() {  # REGION ARGS...: the AWS CLI against the private cloud
  local region=$1; shift
  AWS_ACCESS_KEY_ID=$ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SECRET_KEY AWS_PAGER="" \
    /usr/bin/aws --endpoint-url "$ENDPOINT" --region "$region" ec2 "$@"
}
field() { "$gpubox" ls --json | jq -r --arg n "$1" ".[] | select(.name == \$n) | .$2"; }
cluster_rows() {  # the ls rows of cluster c as "name:node:STATE_FIELD" (jq expression $1)
  "$gpubox" ls --json |
    jq -c "[.[] | select(.cluster == \"c\") | \"\(.name):\(.node):\($1)\"] | sort"
}
named_left() {  # placement groups, security groups and key pairs named $1* still there
  local total=0 region pgs sgs keys
  for region in us-east-1 us-west-2 eu-west-1; do
    pgs=$(aws_ec2 "$region" describe-placement-groups --output text --query \
      "length(PlacementGroups[?starts_with(GroupName, '$1') && State != 'deleted'])")
    sgs=$(aws_ec2 "$region" describe-security-groups --output text \
      --query "length(SecurityGroups[?starts_with(GroupName, '$1')])")
    keys=$(aws_ec2 "$region" describe-key-pairs --output text \
      --query "length(KeyPairs[?starts_with(KeyName, '$1')])")
    total=$((total + pgs + sgs + keys))
  done
  echo "$total"
}
# The probe, the same everywhere: exit 0 when a TCP connection to IP PORT opens within 3 s.
probe_py='import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)'
reaches() { "$gpubox" exec "$1" -- python3 -c "$probe_py" "$2" "$3" 2>/dev/null; }  # BOX IP PORT
not_reaches() { ! reaches "$@"; }
host_reaches() { /usr/bin/python3 -c "$probe_py" "$1" "$2" 2>/dev/null; }  # IP PORT, from here
host_not_reaches() { ! host_reaches "$@"; }
listen() {  # BOX PORT: a detached TCP listener on every address of BOX
  "$gpubox" exec "$1" -- sh -c "setsid nohup python3 -m http.server $2 --bind 0.0.0.0 \
    >/dev/null 2>&1 & sleep 1"
}
benv() { "$gpubox" exec "$1" -- printenv "$2" 2>/dev/null; }  # BOX VAR: as a command sees it
hosts_has() {  # BOX IP NAME: a line of BOX's /etc/hosts maps NAME to IP
  "$gpubox" exec "$1" -- cat /etc/hosts | awk -v ip="$2" -v n="$3" \
    '$1 == ip { for (i = 2; i <= NF; i++) if ($i == n) found = 1 } END { exit !found }'
}
hosts_ok() { hosts_has "$1" "$ip0" c-0 && hosts_has "$1" "$ip0" c && hosts_has "$1" "$ip1" c-1; }
sockets_ok() {  # BOX: a GPU count, and socket interfaces that exist on BOX
  # shellcheck disable=SC2016  # expanded on the box
  [[ "$(benv "$1" GPUBOX_GPUS_PER_NODE)" =~ ^[1-9][0-9]*$ ]] && "$gpubox" exec "$1" -- sh -c \
      'ip link show dev "$NCCL_SOCKET_IFNAME" && ip link show dev "$GLOO_SOCKET_IFNAME"' \
    >/dev/null 2>&1
}
t4=(--gpu T4 --on-demand --no-setup)

# 1. Usage: --nodes 0 is refused before anything is launched.
"$gpubox" up z --nodes 0 "${t4[@]}" >/dev/null 2>"$work/z.err"
check "--nodes 0: usage error (exit 2)" test $? = 2
check "... in one line" bash -c "[ \$(grep -c '^gpubox: error: ' '$work/z.err') = 1 ] && \
  [ \$(wc -l <'$work/z.err') = 1 ]"
check "... nothing launched" test "$(tag_count z)" = 0

# 2. The cluster: one launch, two nodes, one group.
start=$(now_ms)
"$gpubox" up c --nodes 2 "${t4[@]}" >/dev/null 2>"$work/c.err"
up_rc=$?
up_ms=$(($(now_ms) - start))
check "up c --nodes 2" test "$up_rc" = 0
[ "$up_rc" = 0 ] || tail -n 5 "$work/c.err"
region=$(field c region) ip0=$(field c ip) ip1=$(field c-1 ip)
check "ls: a row per node, cluster c, nodes 0 and 1" \
  test "$(cluster_rows .state)" = '["c-1:1:running","c:0:running"]'
check "both nodes in one zone" test "$(field c zone)" = "$(field c-1 zone)"
instances=$(aws_ec2 "$region" describe-instances --filters Name=tag:gpubox:box,Values=c \
  Name=instance-state-name,Values=pending,running --output json)
check "one RunInstances (one reservation) of 2 instances, each in placement group gpubox-c" \
  jqe '(.Reservations | length) == 1 and ([.Reservations[].Instances[].Placement.GroupName]
    == ["gpubox-c", "gpubox-c"])' <<<"$instances"
check "gpubox-c is a cluster placement group" test "$(aws_ec2 "$region" describe-placement-groups \
  --group-names gpubox-c --query 'PlacementGroups[0].Strategy' --output text)" = cluster
# shellcheck disable=SC2016  # jq variables
check "security group gpubox-c: all traffic from itself, SSH alone from /32s" jqe '
  .GroupId as $id | any(.IpPermissions[]; .IpProtocol == "-1" and any(.UserIdGroupPairs[]?;
    .GroupId == $id)) and all(.IpPermissions[] | select((.IpRanges // []) | length > 0);
    .IpProtocol == "tcp" and .FromPort == 22 and .ToPort == 22
    and all(.IpRanges[]; .CidrIp | endswith("/32")))' <<<"$(aws_ec2 "$region" \
  describe-security-groups --filters Name=group-name,Values=gpubox-c \
  --query 'SecurityGroups[0]' --output json)"
check "exec c runs on node 0, exec c-1 on node 1 (GPUBOX_NODE_RANK)" \
  test "$(benv c GPUBOX_NODE_RANK)/$(benv c-1 GPUBOX_NODE_RANK)" = 0/1
check "ssh c works through the ssh config include" ssh -F "$HOME/.ssh/config" c true
check "ssh c-1 works through the ssh config include" ssh -F "$HOME/.ssh/config" c-1 true
for box in c c-1; do
  check "$box: /etc/hosts maps c-0 and c to node 0, c-1 to node 1" hosts_ok "$box"
  check "$box: cluster.env: 2 nodes, master node 0, node ips in rank order" \
    test "$(benv "$box" GPUBOX_NUM_NODES) $(benv "$box" GPUBOX_MASTER_ADDR)" = "2 $ip0" -a \
    "$(benv "$box" GPUBOX_NODE_IPS)" = "$ip0,$ip1"
  check "$box: GPUs per node counted; NCCL/GLOO socket interfaces exist there" sockets_ok "$box"
done

# 3. Who reaches whom: members each other on any port; the caller SSH only; outsiders nothing.
listen c-1 29400
listen c 29500
check "node 0 reaches node 1 on 29400" reaches c "$ip1" 29400
check "node 1 reaches node 0 on 29500" reaches c-1 "$ip0" 29500
check "the caller reaches SSH on node 0" host_reaches "$ip0" 22
check "the caller reaches SSH on node 1" host_reaches "$ip1" 22
check "the caller does not reach node 1 on 29400" host_not_reaches "$ip1" 29400
check "up o (outside the cluster, same region)" "$gpubox" up o "${t4[@]}" --region "$region"
ipo=$(field o ip)
listen o 29400
check "o reaches its own listener by its address (the probe works there)" reaches o "$ipo" 29400
check "o does not reach node 1 on 29400" not_reaches o "$ip1" 29400
check "o does not reach node 1 on 22" not_reaches o "$ip1" 22

# 3b. One job on every node: torchrun (c10d rendezvous at node 0, gloo over the wired
# interface) trains the sample model with DDP; its weights are the one-process run's. The
# variables are expanded on each node (single-quoted here).
ddp() {  # JOB EPOCHS: the worked example on every node, one process each
  # shellcheck disable=SC2016  # expanded on each node
  "$gpubox" run c --all-nodes --name "$1" --workdir "$here/../../examples/ddp" -- torchrun \
    --nnodes '$GPUBOX_NUM_NODES' --nproc_per_node 1 --rdzv_backend c10d --rdzv_id '$GPUBOX_JOB_ID' \
    --rdzv_endpoint '$GPUBOX_MASTER_ADDR:29600' --redirects 9:1 --tee 9:1 train.py --epochs "$2"
}
job_states() {  # JOB: "NODE:STATE ..." from gpubox jobs c, sorted
  "$gpubox" jobs c --json | jq -r --arg j "$1" '[.[] | select(.id == $j) | "\(.node):\(.state)"]
    | sort | join(" ")'
}
wait_states() {  # SECONDS JOB WANT: until job_states JOB says WANT
  local deadline=$((SECONDS + $1))
  until [ "$(job_states "$2")" = "$3" ]; do [ "$SECONDS" -lt "$deadline" ] || return 1; sleep 1; done
}
ddp_start=$(now_ms)
check "run c --all-nodes: one job id for both nodes" test "$(ddp ddp 3 2>"$work/ddp.err")" = ddp
check "the DDP job ends done on both nodes" wait_states 240 ddp "c-1:done c:done"
ddp_ms=$(($(now_ms) - ddp_start))
[ "$(job_states ddp)" = "c-1:done c:done" ] || { cat "$work/ddp.err"; "$gpubox" logs c ddp; "$gpubox" logs c-1 ddp; }
# Rank 0 (the node that wrote the weights) is whichever node reached the rendezvous first.
two=$(for box in c c-1; do "$gpubox" exec "$box" -- cat .gpubox/checkpoints/ddp/weights.json 2>/dev/null; done)
one=$("$gpubox" exec c -- sh -c 'cd work/ddp && python3 train.py --out /tmp/one.json >/dev/null && cat /tmp/one.json')
check "trained across 2 processes on 2 nodes (world size 2)" jqe '.world_size == 2' <<<"$two"
# shellcheck disable=SC2016  # jq variables
check "the weights equal the one-process run's (within 1e-5)" jq -en --argjson a "$two" \
  --argjson b "$one" '$b.world_size == 1 and ([range(2)] | all(($a.w[.] - $b.w[.]) | fabs < 1e-5))
    and (($a.b - $b.b) | fabs < 1e-5)'
check "logs per node: rank 0's says the weights" \
  grep -q '^weights' <<<"$("$gpubox" logs c ddp; "$gpubox" logs c-1 ddp)"
check "ddp ddpkill (a long run)" test "$(ddp ddpkill 400 2>/dev/null)" = ddpkill
# Node 1's part dies once training is under way (its training process killed, as a crash
# would): both parts fail.
# shellcheck disable=SC2016  # run on the box
kill_worker='pid=$(pgrep -f "^/usr/bin/python3[.0-9]* -u train.py" | head -n 1); [ -n "$pid" ] && kill -9 "$pid"'
training() { "$gpubox" logs c ddpkill; "$gpubox" logs c-1 ddpkill; }  # rank 0 says its epochs
for _ in $(seq 120); do grep -q '^epoch 1,' <<<"$(training 2>/dev/null)" && break; sleep 1; done
killed=no
for _ in $(seq 60); do
  if "$gpubox" exec c-1 -- sh -c "$kill_worker" 2>/dev/null; then killed=yes; break; fi
  sleep 1
done
check "node 1's training process killed mid-run" test "$killed" = yes
check "... and the job fails on both nodes" wait_states 180 ddpkill "c-1:failed c:failed"
[ "$(job_states ddpkill)" = "c-1:failed c:failed" ] || job_states ddpkill

# 4. stop and start take the whole cluster; a single node is refused.
"$gpubox" stop c-1 >/dev/null 2>"$work/stop1.err"
check "stop c-1: refused" test $? != 0
check "... naming the cluster c" \
  grep -qE "cluster[ '\"\`]+c([^-a-z0-9]|$)|gpubox stop c([^-a-z0-9]|$)" "$work/stop1.err"
check "... and both nodes still running" test "$(cluster_rows .cloud_state)" = \
  '["c-1:1:running","c:0:running"]'
check "stop c" "$gpubox" stop c
check "both nodes stopped" test "$(cluster_rows .cloud_state)" = '["c-1:1:stopped","c:0:stopped"]'
check "start c" "$gpubox" start c
check "both nodes running" test "$(cluster_rows .cloud_state)" = '["c-1:1:running","c:0:running"]'
ip0=$(field c ip) ip1=$(field c-1 ip)
check "node 1's GPUBOX_NODE_IPS are the addresses ls shows now" \
  test "$(benv c-1 GPUBOX_NODE_IPS)" = "$ip0,$ip1"
listen c-1 29400
check "node 0 reaches node 1 on 29400 again" reaches c "$ip1" 29400

# 5. down leaves nothing: instances, security group, key pair, placement group.
check "down c" "$gpubox" down c --yes
check "no instance of c left" test "$(tag_count c)" = 0
check "security group gpubox-c gone" test "$(aws_ec2 "$region" describe-security-groups \
  --filters Name=group-name,Values=gpubox-c --query 'length(SecurityGroups)' --output text)" = 0
check "no placement group, security group or key pair gpubox-c* left in any region" \
  test "$(named_left gpubox-c)" = 0
check "ls: no row of c" jqe '[.[] | select(.name == "c" or .name == "c-1")] | length == 0' \
  <<<"$("$gpubox" ls --json)"
check "down o" "$gpubox" down o --yes
check "no instance, group or key pair of o left" test "$(tag_count o)/$(named_left gpubox-o)" = 0/0

# 6. All or nothing: capacity for one g4dn.xlarge per zone, two nodes asked for.
"$gpubox" local fault --capacity g4dn.xlarge=1 >/dev/null
"$gpubox" up x --nodes 2 --instance-type g4dn.xlarge "${t4[@]}" >/dev/null 2>"$work/x.err"
check "2 nodes, capacity for 1 per zone: up fails with exit 5" test $? = 5
check "... naming the InsufficientInstanceCapacity attempts" grep -q InsufficientInstanceCapacity \
  "$work/x.err"
check "... no instance of x left" test "$(tag_count x)" = 0
check "... no record of x or x-1" \
  jqe '[.[] | select(.name == "x" or .name == "x-1")] | length == 0' <<<"$("$gpubox" ls --json)"
check "... no group, key pair or placement group of x left" test "$(named_left gpubox-x)" = 0
"$gpubox" local fault --clear >/dev/null

echo "figure: up c --nodes 2 --no-setup took ${up_ms} ms (2 nodes, one RunInstances, no setup);" \
  "run --all-nodes of the DDP example (3 epochs, 2 nodes x 1 process, gloo) to done on both: ${ddp_ms} ms"
finish
