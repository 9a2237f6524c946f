#!/usr/bin/env bash
# Nothing paid forgotten (issue 10 items 2 and 4) on the local cloud:
#  - `gpubox cost`: a box run for a measured time shows that time x its price, and its disk;
#  - `ls --all-regions` finds every tagged instance, volume, image, snapshot, key pair,
#    security group and spot request, in every region (queried in parallel; the time is
#    printed), even after the laptop's database is deleted, and marks them orphans then;
#  - `gc` without --yes lists them and deletes nothing; `gc --yes` deletes them all, and
#    the AWS CLI finds nothing tagged left in any region.
set -uo pipefail
gpubox=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/local_cloud_env.sh"
export AWS_ACCESS_KEY_ID=$ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SECRET_KEY AWS_PAGER=""
aws_ec2() { /usr/bin/aws --endpoint-url "$ENDPOINT" ec2 "$@"; }
tagged_left() {  # tagged resources the AWS CLI still sees, all regions, all kinds
  local total=0 region n
  local tag=(--filters Name=tag-key,Values=gpubox:box)
  for region in us-east-1 us-west-2 eu-west-1; do
    for query in \
      "describe-instances ${tag[*]} Name=instance-state-name,Values=pending,running,stopping,stopped,shutting-down length(Reservations[].Instances[])" \
      "describe-volumes ${tag[*]} length(Volumes)" \
      "describe-images --owners self ${tag[*]} length(Images)" \
      "describe-snapshots --owner-ids self ${tag[*]} length(Snapshots)" \
      "describe-key-pairs ${tag[*]} length(KeyPairs)" \
      "describe-security-groups ${tag[*]} length(SecurityGroups)" \
      "describe-spot-instance-requests ${tag[*]} Name=state,Values=open,active,disabled length(SpotInstanceRequests)"; do
      read -ra words <<<"$query"
      n=$(aws_ec2 --region "$region" "${words[@]:0:${#words[@]}-1}" --query "${words[-1]}" --output text)
      total=$((total + n))
    done
  done
  echo "$total"
}
jq_true() { jqe "$@" >/dev/null; }  # jq_true FILTER: the filter holds for stdin
inventory_ids() {  # "kind id orphan" lines of ls --all-regions, sorted
  "$gpubox" ls --all-regions --json 2>/dev/null |
    jq -r '.regions[].resources[] | "\(.kind) \(.id) \(.orphan)"' | sort
}

# 1. Boxes in two regions (one spot), an image: every kind of tagged resource.
t0=$(now_ms)
check "up c1 (on-demand, eu-west-1)" "$gpubox" up c1 --gpu T4 --region eu-west-1 --no-setup
t_up=$(now_ms)
check "up s1 (spot, us-east-1)" "$gpubox" up s1 --spot --region us-east-1 \
  --instance-type g4dn.xlarge --no-setup
check "image s1" "$gpubox" image s1 --name s1-img

# 2. The cost of a measured run.
sleep 20
check "stop c1" "$gpubox" stop c1
t_stop=$(now_ms)
cost=$("$gpubox" cost --json)
c1=$(jq -c '.boxes[] | select(.name == "c1")' <<<"$cost")
price=$(jq -r .price_usd_hr <<<"$c1")
hours=$(jq -r .running_hours <<<"$c1")
echo "c1: $hours h recorded; up took $((t_up - t0)) ms, then 20 s, stop done at +$((t_stop - t0)) ms"
check "cost: c1's running time is what it ran (20 s after up, no more than up to stop)" \
  /usr/bin/python3 -c "import sys; h=float('$hours')*3600; sys.exit(not (19 <= h <= ($t_stop-$t0)/1000 + 2))"
abs='if . < 0 then -. else . end'
check "cost: compute = time x price" jq_true "((.compute_usd - .running_hours * .price_usd_hr) | $abs) < 1e-9
  and .price_usd_hr > 0" <<<"$c1"
check "cost: the disk is billed too (gp3 rate)" jq_true '.disk_usd > 0' <<<"$c1"
check "cost: the total adds the boxes up" jq_true "([.boxes[].total_usd] | add) as \$sum |
  ((.total.total_usd - \$sum) | $abs) < 1e-9" <<<"$cost"
sleep 3
check "cost: a stopped box's compute stays still" test "$(jq -r '.boxes[] | select(.name == "c1") |
  .compute_usd' <<<"$("$gpubox" cost --json)")" = "$(jq -r .compute_usd <<<"$c1")"
check "ls shows cost so far" jq_true '.[] | select(.name == "c1") | .cost_usd > 0' \
  <<<"$("$gpubox" ls --json)"
echo "price $price/h"

# 3. Every tagged resource, known: no orphans.
start=$(now_ms)
"$gpubox" ls --all-regions >"$work/all.txt" 2>"$work/all.err"
echo "ls --all-regions (3 regions, with the database): $(($(now_ms) - start)) ms; $(cat "$work/all.err")"
cat "$work/all.txt"
before=$(inventory_ids)
for kind in instance volume image snapshot key-pair security-group spot-request; do
  check "ls --all-regions lists a $kind" grep -q "^$kind " <<<"$before"
done
check "nothing is an orphan while the database knows it" bash -c "! grep -q ' true$' <<<'$before'"
check "it finds what the AWS CLI finds" test "$(wc -l <<<"$before")" = "$(tagged_left)"

# 4. The laptop's database is gone: all found again, all orphans.
rm -rf "$XDG_STATE_HOME/gpubox"
for run in 1 2 3; do
  start=$(now_ms)
  "$gpubox" ls --all-regions --json >/dev/null 2>"$work/all.err"
  echo "ls --all-regions (3 regions, no database), run $run: $(($(now_ms) - start)) ms; $(cat "$work/all.err")"
done
after=$(inventory_ids)
check "without the database, every resource is still found" \
  test "$(cut -d' ' -f1,2 <<<"$after")" = "$(cut -d' ' -f1,2 <<<"$before")"
check "... and each is an orphan" bash -c "! grep -q ' false$' <<<'$after'"

# 5. gc lists; gc --yes deletes; nothing tagged is left.
"$gpubox" gc >"$work/gc.txt" 2>&1
check "gc without --yes lists the orphans" grep -q "orphan(s)" "$work/gc.txt"
check "... says how to delete them" grep -q "gpubox gc --yes" "$work/gc.txt"
check "... and deletes nothing" test "$(inventory_ids)" = "$after"
"$gpubox" gc --yes >"$work/gcy.txt" 2>&1
check "gc --yes" grep -q "^Deleted $(wc -l <<<"$after") of $(wc -l <<<"$after") orphan" "$work/gcy.txt"
check "spot request cancelled before its instance terminated" bash -c "
  c=\$(grep -n 'cancelled spot-request' '$work/gcy.txt' | head -1 | cut -d: -f1)
  t=\$(grep -n 'terminated instance' '$work/gcy.txt' | tail -1 | cut -d: -f1)
  [ -n \"\$c\" ] && [ -n \"\$t\" ] && [ \"\$c\" -lt \"\$t\" ]"
check "ls --all-regions finds nothing left" test "$(inventory_ids | wc -w)" = 0
check "the AWS CLI finds nothing tagged left in any region" test "$(tagged_left)" = 0
cat "$work/gcy.txt"
finish
