#!/usr/bin/env bash
# Failover and safety on the local cloud: capacity exhausted, a region with P quota 0, all
# failing, and gpubox killed at random points of up then rerun (one instance, never two).
set -uo pipefail
gpubox=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/local_cloud_env.sh"

"$gpubox" local fault --capacity-error 'g4dn.xlarge@*' >/dev/null
"$gpubox" up cap --gpu T4 --on-demand --no-setup >"$work/cap.log" 2>&1
cap_rc=$?
check "capacity exhausted: up still succeeds" test "$cap_rc" = 0
[ "$cap_rc" = 0 ] || tail -n 5 "$work/cap.log"
check "capacity exhausted: lands on the next offer" \
  jqe '.[0].instance_type != "g4dn.xlarge"' <<<"$("$gpubox" ls --json)"
check "capacity exhausted: every attempt recorded" \
  jqe '[.attempts[] | select(.outcome == "InsufficientInstanceCapacity")] | length >= 3' \
  <<<"$("$gpubox" events cap --json)"
"$gpubox" down cap --yes >/dev/null
"$gpubox" local fault --clear >/dev/null

"$gpubox" up pq --gpu V100 --on-demand --no-setup >"$work/pq.log" 2>&1
check "P quota 0: up lands in another region" test $? = 0
check "P quota 0: us-east-1 skipped with the exact increase" \
  grep -q "request an increase to 8 (quota L-417A185B, region us-east-1)" "$work/pq.log"
check "P quota 0: not in us-east-1" jqe '.[0].region != "us-east-1"' <<<"$("$gpubox" ls --json)"
"$gpubox" down pq --yes >/dev/null

"$gpubox" up none --gpu V100 --on-demand --region us-east-1 --no-setup >"$work/none.log" 2>&1
check "all failing: exit 5" test $? = 5
check "all failing: one error line listing the attempts" \
  test "$(grep -c '^gpubox: error: no offer could be launched' "$work/none.log")" = 1
check "all failing: nothing running" test "$(tag_count none)" = 0
check "all failing: no record left" jqe 'length == 0' <<<"$("$gpubox" ls --json)"

for round in 1 2 3; do
  name="kill$round"
  "$gpubox" up "$name" --gpu T4 --on-demand >"$work/$name.log" 2>&1 &
  pid=$!
  sleep "$(/usr/bin/python3 -c 'import random; print(round(random.uniform(0.2, 4.0), 2))')"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  "$gpubox" up "$name" --gpu T4 --on-demand >>"$work/$name.log" 2>&1
  check "killed during up, rerun: up succeeds ($name)" test $? = 0
  check "killed during up, rerun: exactly one instance ($name)" test "$(tag_count "$name")" = 1
  "$gpubox" down "$name" --yes >/dev/null
done
finish
