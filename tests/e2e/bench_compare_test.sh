#!/usr/bin/env bash
# gpubox bench --gpu T4,L4 on the local cloud: one box per GPU model benched, a table ranked
# by $ per million samples, a chart naming both, and no box left behind: after success, when
# one launch fails (every L4 type out of capacity), and when interrupted (SIGINT).
# shellcheck disable=SC2016  # $names in single quotes are jq's
set -uo pipefail
gpubox=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/local_cloud_env.sh"
jqc() { jqe "$@" >/dev/null; }  # a jq condition for check

live_bench_instances() {  # instances tagged gpubox:box=bench-*, pending..stopped, all regions
  local total=0 region n
  for region in us-east-1 us-west-2 eu-west-1; do
    n=$(AWS_ACCESS_KEY_ID=$ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SECRET_KEY AWS_PAGER="" \
      /usr/bin/aws --endpoint-url "$ENDPOINT" --region "$region" ec2 describe-instances \
      --filters "Name=tag-key,Values=gpubox:box" \
      "Name=instance-state-name,Values=pending,running,stopping,stopped" \
      --query 'length(Reservations[].Instances[])' --output text)
    total=$((total + n))
  done
  echo "$total"
}
nothing_left() { test "$(live_bench_instances)" = 0 && jqe 'length == 0' <<<"$("$gpubox" ls --json)" >/dev/null; }

"$gpubox" bench --gpu T4,NOPE --yes >/dev/null 2>"$work/bad.err"
check "unknown GPU model: usage error, nothing launched" test $? = 2 -a "$(live_bench_instances)" = 0

# Both servers; one worker each keeps it short on a small host.
start=$(now_ms)
"$gpubox" bench --gpu T4,L4 --on-demand --yes --quick --workers 1 --json \
  --chart "$work/chart.svg" >"$work/both.json" 2>"$work/both.err"
status=$?
echo "bench --gpu T4,L4: $(($(now_ms) - start)) ms"
check "both benched: exit 0" test "$status" = 0
check "one row per server, both with results" jqc '
  [.servers[].gpu] | sort == ["L4", "T4"]' "$work/both.json"
check "both rows carry results" jqc '[.servers[].error] == [null, null]' "$work/both.json"
check "ranked by \$ per million samples" jqc '
  [.servers[].usd_per_million_samples] | . == sort' "$work/both.json"
cheapest() { "$gpubox" offers --gpu "$1" --on-demand --limit 1 --json | jq -r '.[0].instance_type'; }
check "each on its GPU's cheapest offer" jqc --arg t4 "$(cheapest T4)" --arg l4 "$(cheapest L4)" '
  [.servers[] | {(.gpu): .instance_type}] | add | .T4 == $t4 and .L4 == $l4' "$work/both.json"
check "progress is per server" grep -q '^\[T4\] gpubox: bench: ' "$work/both.err"
check "chart written, names both servers" \
  bash -c "grep -q '>T4 g4dn' '$work/chart.svg' && grep -q '>L4 g6' '$work/chart.svg'"
if command -v rsvg-convert >/dev/null; then
  check "PNG beside the chart" bash -c "file '$work/chart.png' | grep -q 'PNG image'"
fi
check "no box left after success" nothing_left
check "results kept in the history" jqc 'length == 2' <<<"$("$gpubox" bench --history --json)"

# One launch fails: every L4 type out of capacity in every zone.
faults=()
for type in $("$gpubox" offers --gpu L4 --json --limit 0 | jq -r '.[].instance_type' | sort -u); do
  faults+=(--capacity-error "$type@*")
done
"$gpubox" local fault "${faults[@]}" >/dev/null
"$gpubox" bench --gpu T4,L4 --on-demand --yes --quick --workers 1 \
  --chart "$work/fail.svg" >"$work/fail.out" 2>"$work/fail.err"
status=$?
check "one launch failed: exit 5 (no capacity)" test "$status" = 5 || tail -c 1500 "$work/fail.err"
check "the failure is named in one error line" \
  test "$(grep -c '^gpubox: error: L4: ' "$work/fail.err")" = 1
check "the other server still benched and ranked" grep -q '^1  *T4 ' "$work/fail.out"
check "no box left after a failed launch" nothing_left
"$gpubox" local fault --clear >/dev/null

# Interrupted (SIGINT) once a bench runs.
"$gpubox" bench --gpu T4,L4 --on-demand --yes --quick --workers 1 \
  --chart "$work/int.svg" >"$work/int.out" 2>"$work/int.err" &
pid=$!
for _ in $(seq 1 600); do
  grep -q 'gpubox: bench: ' "$work/int.err" && break
  sleep 0.1
done
kill -INT "$pid"
wait "$pid"
status=$?
check "interrupted: exit 130" test "$status" = 130 || tail -c 1500 "$work/int.err"
check "interrupted: says every box is taken down" grep -q 'interrupted; every box' "$work/int.err"
check "no box left after SIGINT" nothing_left
finish
