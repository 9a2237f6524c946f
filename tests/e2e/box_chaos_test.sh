#!/usr/bin/env bash
# Chaos on the local cloud: several boxes cycled through up/stop/start/down in parallel (a
# user with several terminals) while the cloud throttles, lags, answers 500 (some after the
# call took effect) and runs out of capacity, the faults switched at random as it goes.
# Every command must finish, or be finished by running it again; at the end nothing is left
# in any region and gpubox's records match the cloud.
#   GPUBOX_CHAOS_BOXES (default 4), GPUBOX_CHAOS_CYCLES (default 2), GPUBOX_CHAOS_SEED
set -uo pipefail
gpubox=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/local_cloud_env.sh"

boxes=${GPUBOX_CHAOS_BOXES:-4}
cycles=${GPUBOX_CHAOS_CYCLES:-2}
RANDOM=${GPUBOX_CHAOS_SEED:-$$}
echo "chaos: $boxes boxes x $cycles cycles, seed $RANDOM"
# Room for every box at once in one zone's capacity, whatever the faults.
"$gpubox" local fault --capacity g4dn.xlarge=32 --throttle 0.3 --latency-ms 20 \
  --error-rate 0.1 >/dev/null

# The chaos monkey: every 1-3 s a new mix of throttling, latency, 500s and capacity errors.
monkey() {
  while [ ! -f "$work/stop-monkey" ]; do
    "$gpubox" local fault --throttle "0.$((RANDOM % 5))" --latency-ms "$((RANDOM % 60))" \
      --error-rate "0.$((RANDOM % 2))$((RANDOM % 10))" \
      --capacity-error-rate "0.$((RANDOM % 4))" >/dev/null 2>&1
    sleep "$((RANDOM % 3 + 1))"
  done
}
monkey &
monkey_pid=$!

# run BOX LOG CMD...: the command, and when it fails, the same command again (at most 3 runs).
# Prints "first" (ok at once), "rerun" (finished by a rerun) or "failed".
run() {
  local box=$1 log=$2 try
  shift 2
  for try in 1 2 3; do
    echo "== try $try: gpubox $*" >>"$log"
    if "$gpubox" "$@" --timeout 90 >>"$log" 2>&1; then
      [ "$try" = 1 ] && echo first || echo rerun
      return 0
    fi
  done
  echo failed
}

cycle_box() {  # the whole life of one box, $cycles times; one outcome word per command
  local box=$1 cycle
  local log="$work/$box.log"
  for cycle in $(seq "$cycles"); do
    run "$box" "$log" up "$box" --gpu T4 --on-demand --region us-east-1 --no-setup
    run "$box" "$log" stop "$box"
    run "$box" "$log" start "$box"
    if [ "$cycle" = "$cycles" ]; then
      # The records match the cloud while the box is up (no orphan, the same instance).
      "$gpubox" ls --json --timeout 90 >"$work/$box.ls" 2>>"$log"
    fi
    run "$box" "$log" down "$box" --yes
  done >"$work/$box.outcomes"
}

# Two terminals, one box: the second `up` waits for the first, then finds the box up.
"$gpubox" up chaos-twice --gpu T4 --on-demand --region us-east-1 --no-setup --timeout 90 \
  >"$work/twice1.log" 2>&1 &
twice1=$!
"$gpubox" up chaos-twice --gpu T4 --on-demand --region us-east-1 --no-setup --timeout 90 \
  >"$work/twice2.log" 2>&1
twice2_rc=$?
wait "$twice1"
twice1_rc=$?
check "one box, two ups at once: both succeed" test "$twice1_rc$twice2_rc" = 00
check "one box, two ups at once: one waited for the other" \
  grep -q "waiting for another gpubox command (pid [0-9]*) on chaos-twice to finish" \
  "$work/twice1.log" "$work/twice2.log"
twice_count=$(tag_count chaos-twice)
check "one box, two ups at once: exactly one instance" test "$twice_count" = 1
if [ "$twice_count" != 1 ]; then  # what each up did, for the next reader of a red run
  echo "instances tagged chaos-twice: $twice_count"
  for log in twice1 twice2; do echo "--- $log"; grep -v "waiting .* before attempt" "$work/$log.log"; done
  "$gpubox" ls --json | jq -c '.[] | [.name, .instance_id, .state, .cloud_state, .orphan]'
fi
"$gpubox" down chaos-twice --yes --timeout 90 >/dev/null 2>&1
check "one box, two ups at once: down" test $? = 0

start=$(now_ms)
pids=()
for box_idx in $(seq "$boxes"); do
  cycle_box "chaos$box_idx" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
touch "$work/stop-monkey"
wait "$monkey_pid" 2>/dev/null
"$gpubox" local fault --clear >/dev/null
elapsed_ms=$(($(now_ms) - start))

commands=$((boxes * cycles * 4))
first=$(cat "$work"/chaos*.outcomes | grep -c '^first$')
rerun=$(cat "$work"/chaos*.outcomes | grep -c '^rerun$')
failed=$(cat "$work"/chaos*.outcomes | grep -c '^failed$')
waits=$(cat "$work"/chaos*.log | grep -c 'before attempt')
echo "chaos: $commands commands in $((elapsed_ms / 1000)) s: $first at once, $rerun by a rerun," \
  "$failed failed; $waits retry waits shown"
for box_idx in $(seq "$boxes"); do
  if grep -q rerun "$work/chaos$box_idx.outcomes"; then  # why a first try failed
    echo "--- chaos$box_idx: first tries that failed"
    grep -E '^(== try|gpubox: error)' "$work/chaos$box_idx.log" | grep -B1 '^gpubox: error'
  fi
  if grep -q failed "$work/chaos$box_idx.outcomes"; then
    echo "--- chaos$box_idx.log (tail)"; tail -n 30 "$work/chaos$box_idx.log"
  fi
done

check "every command finished, at once or by its rerun ($commands)" test "$failed" = 0
check "every command was accounted for" test "$((first + rerun + failed))" = "$commands"
check "no 'database is locked' anywhere" bash -c "! grep -q 'database is locked' $work/chaos*.log"
check "waits for the cloud were shown (operation, reason, attempt)" \
  grep -qE 'gpubox: [A-Za-z]+ \(us-east-1\): .*; waiting [0-9.]+ s before attempt [0-9]+' \
  "$work"/chaos*.log
for box_idx in $(seq "$boxes"); do
  box="chaos$box_idx"
  # shellcheck disable=SC2016  # $box is jq's variable
  matched=(jqe --arg box "$box" '[.[] | select(.name == $box)] | length == 1 and
    .[0].state == "running" and .[0].cloud_state == "running" and
    (map(select(.orphan)) | length == 0)' "$work/$box.ls")
  check "while up, $box's record matched the cloud (running, no orphan of it)" "${matched[@]}"
  if ! "${matched[@]}" >/dev/null 2>&1; then  # what ls said, for the next reader of a red run
    jq -c --arg box "$box" '.[] | select(.name == $box or .orphan) |
      [.name, .instance_id, .state, .cloud_state, .orphan]' "$work/$box.ls"
    tail -n 12 "$work/$box.log"
  fi
done
check "at the end: no records, no orphans" jqe 'length == 0' <<<"$("$gpubox" ls --json)"
# What the cloud still holds of the chaos boxes, every region, in one botocore process:
# live instances, security groups, key pairs.
left=$(ENDPOINT=$ENDPOINT ACCESS_KEY=$ACCESS_KEY SECRET_KEY=$SECRET_KEY /usr/bin/python3 - <<'PY'
import os
import botocore.session
session = botocore.session.get_session()
counts = [0, 0, 0]
for region in ["us-east-1", "us-west-2", "eu-west-1"]:
    ec2 = session.create_client("ec2", region_name=region, endpoint_url=os.environ["ENDPOINT"],
                                aws_access_key_id=os.environ["ACCESS_KEY"],
                                aws_secret_access_key=os.environ["SECRET_KEY"])
    live = ec2.describe_instances(Filters=[
        {"Name": "tag:gpubox:box", "Values": ["chaos*"]},
        {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}])
    counts[0] += sum(len(r["Instances"]) for r in live["Reservations"])
    counts[1] += len(ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["gpubox-chaos*"]}])["SecurityGroups"])
    counts[2] += len(ec2.describe_key_pairs(
        Filters=[{"Name": "key-name", "Values": ["gpubox-chaos*"]}])["KeyPairs"])
print(*counts)
PY
)
read -r instances groups keys <<<"$left"
check "at the end: no live instance in any region" test "${instances:-x}" = 0
check "at the end: no security group left" test "${groups:-x}" = 0
check "at the end: no key pair left" test "${keys:-x}" = 0
finish
