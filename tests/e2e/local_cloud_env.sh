# Sourced by end-to-end tests and benchmarks: a private local cloud (own state
# dir, port, namespace prefix and subnet) and a private HOME for gpubox, torn
# down on exit whatever happens. Needs root. Defines: gpubox, check, passes,
# failures, the cloud's endpoint and keys (ENDPOINT, ACCESS_KEY, SECRET_KEY).
# shellcheck shell=bash

gpubox=${gpubox:?set gpubox to the binary before sourcing}
passes=0
failures=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; passes=$((passes + 1)); else echo "FAIL $name"; failures=$((failures + 1)); fi
}
finish() { echo "$passes passed, $failures failed"; [ "$failures" = 0 ]; }
jqe() {  # jqe ARGS...: jq -e, but no output (empty input) fails too, as jq -e alone passes it
  local out
  out=$(jq -e "$@") && [ -n "$out" ]
}
now_ms() { date +%s%3N; }

if [ "$(id -u)" != 0 ]; then
  echo "skipped: the local cloud's instances need root (network namespaces)"
  echo "0 passed, 0 failed"
  exit 0
fi

work=$(mktemp -d /tmp/gpubox-e2e.XXXXXX)
# A slot of our own (its namespace prefix and subnet), claimed by an atomic mkdir with our
# pid in it, so that tests run in parallel (ctest -j) never share a bridge, a namespace name
# or a subnet, nor tear down each other's; a slot whose test died is taken back.
claims=/run/gpubox-e2e-slots
mkdir -p "$claims"
while :; do
  slot=$((RANDOM % 200 + 20))
  if mkdir "$claims/$slot" 2>/dev/null; then echo $$ >"$claims/$slot/pid"; break; fi
  owner=$(cat "$claims/$slot/pid" 2>/dev/null)
  if [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; then rm -rf "${claims:?}/$slot"; fi
done
prefix="t$((slot + 100))"
export HOME="$work/home" XDG_STATE_HOME="$work/home/.local/state" GPUBOX_CLOUD=local
export GPUBOX_LOCAL_STATE_DIR="$work/local" GPUBOX_LOCAL_PREFIX=$prefix
# Where granted users find the cloud: private too, so parallel tests do not meet in /run/gpubox.
# No user behind sudo is granted by 'local up' unless a test asks.
export GPUBOX_LOCAL_PUBLIC_DIR="$work/public"
unset SUDO_USER
export GPUBOX_LOCAL_SUBNET="10.215.$slot.0/24"
mkdir -p "$HOME"
# shellcheck disable=SC2034  # used by the scripts that source this one
bridge_ip=$(sed 's/\.0\/24$/.1/' <<<"$GPUBOX_LOCAL_SUBNET")

local_cloud_teardown() {
  # Tunnels first (their ssh masters are ours), then the cloud and its namespaces.
  for socket in "$XDG_STATE_HOME"/gpubox/tunnels/*.sock; do
    [ -S "$socket" ] && ssh -S "$socket" -O exit x >/dev/null 2>&1
  done
  "$gpubox" local down --purge >/dev/null 2>&1
  if [ -f "$GPUBOX_LOCAL_STATE_DIR/daemon.json" ]; then
    kill "$(jq -r .pid "$GPUBOX_LOCAL_STATE_DIR/daemon.json")" 2>/dev/null
  fi
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$prefix-"); do ip netns del "$ns"; done
  nft list tables 2>/dev/null | grep "$prefix" | while read -r _ family table; do nft delete table "$family" "$table"; done
  ip link del "$prefix-br0" 2>/dev/null
  rm -rf "$work" "${claims:?}/$slot"
}
trap local_cloud_teardown EXIT

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$gpubox" local up --port "$port" >/dev/null || { echo "FAIL local up"; exit 1; }
status_json=$("$gpubox" local status --json)
ENDPOINT=$(jq -r .endpoint <<<"$status_json")
ACCESS_KEY=$(jq -r .access_key_id <<<"$status_json")
SECRET_KEY=$(jq -r .secret_access_key <<<"$status_json")
tag_count() {  # live instances tagged gpubox:box=$1, in every region
  local total=0 region n
  for region in us-east-1 us-west-2 eu-west-1; do
    n=$(AWS_ACCESS_KEY_ID=$ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SECRET_KEY AWS_PAGER="" \
      /usr/bin/aws --endpoint-url "$ENDPOINT" --region "$region" ec2 describe-instances \
      --filters "Name=tag:gpubox:box,Values=$1" \
      "Name=instance-state-name,Values=pending,running,stopping,stopped" \
      --query 'length(Reservations[].Instances[])' --output text)
    total=$((total + n))
  done
  echo "$total"
}
