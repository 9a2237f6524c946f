#!/usr/bin/env bash
# Spot that survives (issue 9 items 1, 2 and 5) on the local cloud:
#  - up --spot is a persistent spot request that stops on an interruption: stop, start,
#    image and down work; down cancels the request first and leaves none, nor an instance;
#  - an interruption (the pool's capacity withdrawn) shows its notice in IMDS on the box
#    before the stop; the box stops with its disk; capacity back, the cloud starts it again;
#  - capacity withheld: `recover` brings it back in another zone from its own disk, with
#    exactly one live instance; `run --recover` does it without being asked;
#  - boto3 parses DescribeSpotInstanceRequests and CancelSpotInstanceRequests.
set -uo pipefail
gpubox=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/local_cloud_env.sh"
export AWS_ACCESS_KEY_ID=$ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SECRET_KEY AWS_PAGER="" \
  AWS_DEFAULT_REGION=us-east-1
aws_ec2() { /usr/bin/aws --endpoint-url "$ENDPOINT" ec2 "$@"; }
live_requests() {  # spot requests of box $1 not cancelled nor closed
  aws_ec2 describe-spot-instance-requests --filters "Name=tag:gpubox:box,Values=$1" \
    "Name=state,Values=open,active,disabled" --query 'length(SpotInstanceRequests)' --output text
}
request_of() {  # the spot request of box $1: State StatusCode Type Behaviour
  aws_ec2 describe-spot-instance-requests --filters "Name=tag:gpubox:box,Values=$1" \
    "Name=state,Values=open,active,disabled" --query \
    'SpotInstanceRequests[0].[State,Status.Code,Type,InstanceInterruptionBehavior]' --output text
}
imds() {  # IMDSv2 path $2 as box $1 sees it (404 prints nothing)
  # shellcheck disable=SC2016  # expanded on the box
  "$gpubox" exec "$1" -- sh -c 't=$(curl -s -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" \
    http://169.254.169.254/latest/api/token); curl -sf -H "X-aws-ec2-metadata-token: $t" \
    "http://169.254.169.254/latest/meta-data/$0"' "$2" 2>/dev/null
}
state_of() {  # gpubox's state of box $1 ("interrupted" included), or the cloud's when $2 = cloud
  local key=.state; [ "${2:-}" = cloud ] && key=.cloud_state
  jq -r --arg n "$1" ".[] | select(.name == \$n) | $key" <<<"$("$gpubox" ls --json)"
}
wait_for() {  # wait_for SECONDS COMMAND...: until the command succeeds
  local deadline=$(($(date +%s) + $1)); shift
  until "$@"; do [ "$(date +%s)" -ge "$deadline" ] && return 1; sleep 0.2; done
}
is_state() { [ "$(state_of "$1")" = "$2" ]; }
is_running() { [ "$(state_of "$1" cloud)" = running ] && [ "$(state_of "$1")" = running ]; }
zone_of() { jq -r --arg n "$1" '.[] | select(.name == $n) | .zone' <<<"$("$gpubox" ls --json)"; }

"$gpubox" local fault --spot-notice-seconds 6 >/dev/null  # time to look at the notice
spot=(--spot --region us-east-1 --instance-type g4dn.xlarge --no-setup)

# 1. A stoppable spot box: stop, start, image, down.
check "up --spot" "$gpubox" up sp "${spot[@]}"
check "spot, as a persistent request that stops on an interruption" \
  test "$(request_of sp)" = "$(printf 'active\tfulfilled\tpersistent\tstop')"
# shellcheck disable=SC2016  # a JMESPath literal
check "the instance says spot and names its request" test "$(aws_ec2 describe-instances \
  --filters Name=tag:gpubox:box,Values=sp --query \
  'Reservations[0].Instances[0].[InstanceLifecycle,starts_with(SpotInstanceRequestId, `sir-`)]' \
  --output text)" = "$(printf 'spot\tTrue')"
check "stop a spot box" "$gpubox" stop sp
check "its request is disabled by the user's stop" \
  test "$(request_of sp | cut -f1,2)" = "$(printf 'disabled\tinstance-stopped-by-user')"
check "start it again" "$gpubox" start sp
check "image it" "$gpubox" image sp --name sp-img
check "down" "$gpubox" down sp --yes
check "down left no spot request" test "$(live_requests sp)" = 0
check "down left no instance (no replacement either)" test "$(tag_count sp)" = 0
sleep 1
check "... nor later" test "$(tag_count sp)" = 0
image_id=$(jq -r '.[] | select(.name == "sp-img") | .image_id' <<<"$("$gpubox" images --json)")
check "the image you baked is yours to keep (up --image); deregistered here" \
  aws_ec2 deregister-image --image-id "$image_id"
check "no image made for it remains" test "$(aws_ec2 describe-images --owners self \
  --filters Name=tag:gpubox:box,Values=sp --query 'length(Images)' --output text)" = 0
"$gpubox" up od --gpu T4 --region us-east-1 --no-setup >/dev/null 2>"$work/od.err"
check "up without a market flag: on-demand, saying what --spot would save" \
  grep -qE -- '--spot would pay about \$[0-9.]+/h instead of \$[0-9.]+/h .*% less' "$work/od.err"
check "... and it is on-demand" test "$(jq -r '.[] | select(.name == "od") | .market' \
  <<<"$("$gpubox" ls --json)")" = on-demand
"$gpubox" down od --yes >/dev/null 2>&1

# 2. The interruption: notice in IMDS, stop with the disk, the cloud starts it again.
check "up --spot (sv)" "$gpubox" up sv "${spot[@]}"
"$gpubox" exec sv -- sh -c 'echo before > ~/keep.txt'
zone=$(zone_of sv)
check "no notice before: spot/instance-action is 404" test -z "$(imds sv spot/instance-action)"
"$gpubox" local fault --withdraw-capacity "g4dn.xlarge@$zone" >/dev/null
notice=""
for _ in $(seq 40); do notice=$(imds sv spot/instance-action) && [ -n "$notice" ] && break; sleep 0.1; done
check "the notice is in IMDS on the box before the stop" jqe '.action == "stop" and (.time | test("Z$"))' <<<"$notice"
check "with a rebalance recommendation" jqe '.noticeTime' <<<"$(imds sv events/recommendations/rebalance)"
check "the request is marked for stop" test "$(request_of sv | cut -f2)" = marked-for-stop
dlami=$(aws_ec2 describe-images --owners amazon --filters 'Name=name,Values=Deep Learning*' \
  --query 'Images[0].ImageId' --output text)
check "new spot launches in the pool: InsufficientInstanceCapacity" bash -c "/usr/bin/aws \
  --endpoint-url $ENDPOINT ec2 run-instances --image-id $dlami --instance-type g4dn.xlarge \
  --placement AvailabilityZone=$zone --instance-market-options \
  'MarketType=spot,SpotOptions={SpotInstanceType=persistent,InstanceInterruptionBehavior=stop}' \
  2>&1 | grep -q InsufficientInstanceCapacity"
check "the box stops after the notice period" wait_for 30 bash -c \
  "'$gpubox' ls --json | jq -e '.[] | select(.name == \"sv\") | .state == \"interrupted\"' >/dev/null"
check "ls says interrupted, since when" grep -qE '^sv +interrupted \(since [0-9]{2}:[0-9]{2} UTC' \
  <<<"$("$gpubox" ls)"
check "the request: disabled, instance-stopped-no-capacity" \
  test "$(request_of sv | cut -f1,2)" = "$(printf 'disabled\tinstance-stopped-no-capacity')"
"$gpubox" start sv 2>"$work/start.err"
start_rc=$?
check "start refuses (only the spot service starts it): exit 5" test "$start_rc" = 5
[ "$start_rc" = 5 ] || { echo "start said (exit $start_rc):"; cat "$work/start.err"; }
check "... pointing at recover" grep -q "gpubox recover sv" "$work/start.err"
back_ms=$(now_ms)
"$gpubox" local fault --restore-capacity "g4dn.xlarge@$zone" >/dev/null
check "capacity back: the cloud starts it again" wait_for 30 is_running sv
echo "timing: capacity back to running again $(($(now_ms) - back_ms)) ms"
check "the disk survived the interruption" test "$("$gpubox" exec sv -- cat keep.txt)" = before
check "the notice is gone after the restart" test -z "$(imds sv spot/instance-action)"
check "the request is active again" test "$(request_of sv | cut -f1,2)" = "$(printf 'active\tfulfilled')"

# 3. Capacity withheld: recover brings it back in another zone from its own disk.
"$gpubox" local fault --spot-notice-seconds 1 >/dev/null
old_ip=$(jq -r '.[] | select(.name == "sv") | .ip' <<<"$("$gpubox" ls --json)")
"$gpubox" local fault --withdraw-capacity "g4dn.xlarge@$zone" >/dev/null
check "interrupted again" wait_for 30 is_state sv interrupted
start=$(now_ms)
check "recover" "$gpubox" recover sv
echo "timing: recover across zones $(($(now_ms) - start)) ms"
check "in another zone" test "$(zone_of sv)" != "$zone"
check "exactly one live instance" test "$(tag_count sv)" = 1
check "from its own disk" test "$("$gpubox" exec sv -- cat keep.txt)" = before
check "a new address, and ssh NAME follows it" bash -c "[ '$(jq -r '.[] | select(.name == "sv") | .ip' \
  <<<"$("$gpubox" ls --json)")' != '$old_ip' ] && ssh -F '$HOME/.ssh/config' sv true"
check "the old request is cancelled, one live request (the new one)" test "$(live_requests sv)" = 1
check "the intermediate image is gone" test "$(aws_ec2 describe-images --owners self \
  --filters Name=tag:gpubox:box,Values=sv --query 'length(Images)' --output text)" = 0
check "every step an event" test "$("$gpubox" events sv --json | jq '[.events[] | select(.kind == "recover")] | length')" -ge 5
check "recover again: nothing to do" "$gpubox" recover sv

# 4. run --recover: an interruption that lasts is recovered without being asked.
zone=$(zone_of sv)
( sleep 4; "$gpubox" local fault --withdraw-capacity "g4dn.xlarge@$zone" >/dev/null ) &
GPUBOX_WATCH_POLL_SECONDS=1 GPUBOX_LOST_JOB_GRACE_SECONDS=3 "$gpubox" run sv --name long \
  --recover --recover-after 2 -- sh -c 'sleep 60' >/dev/null 2>"$work/watch.err"
status=$?
wait
check "run --recover recovered the box by itself" grep -q "recovering it" "$work/watch.err"
check "... into another zone, one live instance" bash -c "[ '$(zone_of sv)' != '$zone' ] && [ '$(tag_count sv)' = 1 ]"
check "... and saw the job to its end (lost without the agent: exit 4; restarted: 0)" \
  bash -c "[ $status = 4 ] || [ $status = 0 ]"
[ "$status" = 4 ] || [ "$status" = 0 ] || { echo "run --recover: exit $status"; tail -n 8 "$work/watch.err"; }

# 5. boto3 parses both operations.
check "boto3: describe/cancel_spot_instance_requests parse" /usr/bin/python3 - "$ENDPOINT" <<'EOF'
import sys, boto3
ec2 = boto3.client("ec2", endpoint_url=sys.argv[1], region_name="us-east-1")
ami = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["Deep Learning*"]}])["Images"][0]["ImageId"]
run = ec2.run_instances(ImageId=ami, InstanceType="g4dn.xlarge", MinCount=1, MaxCount=1,
    Placement={"AvailabilityZone": "us-east-1c"},
    InstanceMarketOptions={"MarketType": "spot", "SpotOptions": {
        "SpotInstanceType": "persistent", "InstanceInterruptionBehavior": "stop"}})
inst = run["Instances"][0]
sir = inst["SpotInstanceRequestId"]
assert inst["InstanceLifecycle"] == "spot", inst
got = ec2.describe_spot_instance_requests(SpotInstanceRequestIds=[sir])["SpotInstanceRequests"][0]
assert got["State"] == "active" and got["Status"]["Code"] == "fulfilled", got
assert got["Type"] == "persistent" and got["InstanceInterruptionBehavior"] == "stop", got
assert got["InstanceId"] == inst["InstanceId"] and got["LaunchSpecification"]["InstanceType"] == "g4dn.xlarge"
assert got["CreateTime"].year >= 2026 and got["Status"]["UpdateTime"]
cancelled = ec2.cancel_spot_instance_requests(SpotInstanceRequestIds=[sir])["CancelledSpotInstanceRequests"]
assert cancelled == [{"SpotInstanceRequestId": sir, "State": "cancelled"}], cancelled
after = ec2.describe_spot_instance_requests(Filters=[{"Name": "state", "Values": ["cancelled"]}])["SpotInstanceRequests"]
assert any(r["SpotInstanceRequestId"] == sir and r["Status"]["Code"] == "request-canceled-and-instance-running" for r in after)
ec2.terminate_instances(InstanceIds=[inst["InstanceId"]])
EOF

check "down sv" "$gpubox" down sv --yes
check "nothing of sv left: instance, request" bash -c "[ '$(tag_count sv)' = 0 ] && [ '$(live_requests sv)' = 0 ]"
finish
