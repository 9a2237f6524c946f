#!/usr/bin/env bash
# The local cloud driven by the official AWS CLI (Debian's /usr/bin/aws), unchanged, with
# --endpoint-url: every EC2 operation gpubox uses, Service Quotas, pagination, auth errors,
# faults, persistence across a daemon restart; botocore parses every response. The daemon
# runs with a temporary state dir on a free port and is always torn down (trap).
# As root the instances are real (namespaces, sshd; GPUBOX_E2E_RUNTIME=0 turns that off);
# otherwise the API runs alone.
set -uo pipefail
gpubox=$1
failures=0
passes=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; passes=$((passes + 1)); else echo "FAIL $name"; failures=$((failures + 1)); fi
}
state=$(mktemp -d /tmp/gpubox-local-e2e.XXXXXX)
runtime_flag=--no-runtime
prefix="e2e$((RANDOM % 90 + 10))"
if [ "$(id -u)" = 0 ] && [ "${GPUBOX_E2E_RUNTIME:-1}" = 1 ]; then runtime_flag=""; fi
export GPUBOX_LOCAL_PREFIX=$prefix GPUBOX_LOCAL_SUBNET="10.214.$((RANDOM % 200 + 20)).0/24"
teardown() {
  "$gpubox" local down --purge --state-dir "$state/s" >/dev/null 2>&1
  if [ -f "$state/s/daemon.json" ]; then kill "$(jq -r .pid "$state/s/daemon.json")" 2>/dev/null; fi
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$prefix-"); do ip netns del "$ns"; done
  nft list tables 2>/dev/null | grep -q "$prefix" && nft list tables | grep "$prefix" | while read -r _ family table; do nft delete table "$family" "$table"; done
  ip link del "$prefix-br0" 2>/dev/null
  rm -rf "$state"
}
trap teardown EXIT

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# shellcheck disable=SC2086
check "local up answers" "$gpubox" local up --port "$port" --state-dir "$state/s" $runtime_flag
# shellcheck disable=SC2086
check "local up is idempotent" "$gpubox" local up --port "$port" --state-dir "$state/s" $runtime_flag
status=$("$gpubox" local status --json --state-dir "$state/s")
check "status has endpoint, regions, instances and keys" /usr/bin/python3 -c '
import json, sys
s = json.loads(sys.argv[1])
for key in ("endpoint", "regions", "instances", "access_key_id", "secret_access_key"): assert key in s, key
assert s["regions"] == ["us-east-1", "us-west-2", "eu-west-1"]' "$status"
AWS_ACCESS_KEY_ID=$(jq -r .access_key_id <<<"$status")
AWS_SECRET_ACCESS_KEY=$(jq -r .secret_access_key <<<"$status")
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_MAX_ATTEMPTS=1
unset AWS_PROFILE AWS_SESSION_TOKEN
endpoint=$(jq -r .endpoint <<<"$status")
aws() { /usr/bin/aws --endpoint-url "$endpoint" "$@"; }

check "describe-regions lists 3" test "$(aws ec2 describe-regions --query 'length(Regions)')" = 3
check "zones a b c in us-west-2" test "$(aws ec2 describe-availability-zones --region us-west-2 --query 'AvailabilityZones[].ZoneName' --output text)" = "us-west-2a	us-west-2b	us-west-2c"
check "instance types paginate with --page-size" test "$(aws ec2 describe-instance-types --page-size 7 --query 'length(InstanceTypes)')" -gt 20
check "g4dn.xlarge has one T4" test "$(aws ec2 describe-instance-types --instance-types g4dn.xlarge --query 'InstanceTypes[0].GpuInfo.Gpus[0].[Name,Count]' --output text)" = "T4	1"
spot=$(aws ec2 describe-spot-price-history --instance-types g4dn.xlarge --start-time "$(date -u -d '-5 hours' +%FT%T)" --page-size 4 --output json)
check "spot history has hourly prices per zone" /usr/bin/python3 -c '
import json, sys
h = json.loads(sys.argv[1])["SpotPriceHistory"]
assert len(h) >= 15, len(h)
assert len({p["SpotPrice"] for p in h}) > 3' "$spot"
dlami=$(aws ec2 describe-images --owners amazon --filters 'Name=name,Values=Deep Learning Base OSS*' --query 'Images[0].ImageId' --output text)
check "Deep Learning AMI found" grep -q '^ami-' <<<"$dlami"
check "Ubuntu 22.04 image found" test "$(aws ec2 describe-images --owners amazon --filters 'Name=name,Values=ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*' --query 'length(Images)')" = 1

ssh-keygen -q -t ed25519 -N "" -f "$state/id" -C e2e
check "import-key-pair" aws ec2 import-key-pair --key-name e2e --public-key-material "fileb://$state/id.pub"
aws ec2 create-key-pair --key-name made --key-type ed25519 --query KeyMaterial --output text >"$state/made"
chmod 600 "$state/made"
check "create-key-pair gives a usable private key" ssh-keygen -y -f "$state/made"
check "duplicate key pair is refused" bash -c "/usr/bin/aws --endpoint-url $endpoint ec2 create-key-pair --key-name made 2>&1 | grep -q InvalidKeyPair.Duplicate"
check "describe-key-pairs" test "$(aws ec2 describe-key-pairs --query 'length(KeyPairs)')" = 2
sg=$(aws ec2 create-security-group --group-name e2e --description "e2e group" --query GroupId --output text)
check "authorize ssh from one address" aws ec2 authorize-security-group-ingress --group-id "$sg" --protocol tcp --port 22 --cidr 127.0.0.1/32
check "rule described" test "$(aws ec2 describe-security-groups --group-ids "$sg" --query 'SecurityGroups[0].IpPermissions[0].IpRanges[0].CidrIp' --output text)" = 127.0.0.1/32

run=(ec2 run-instances --image-id "$dlami" --instance-type g4dn.xlarge --key-name e2e --security-group-ids "$sg" --count 3 --client-token e2e-token-1 --block-device-mappings 'DeviceName=/dev/sda1,Ebs={VolumeSize=96}' --tag-specifications 'ResourceType=instance,Tags=[{Key=gpubox:box,Value=e2e}]' --query 'Instances[].InstanceId' --output text)
ids=$(aws "${run[@]}")
check "run-instances launched 3" test "$(wc -w <<<"$ids")" = 3
check "same ClientToken, same instances" test "$(aws "${run[@]}")" = "$ids"
running=0
for _ in $(seq 1 100); do
  running=$(aws ec2 describe-instances --filters Name=instance-state-name,Values=running Name=tag:gpubox:box,Values=e2e --query 'length(Reservations[].Instances[])')
  [ "$running" = 3 ] && break
  sleep 0.3
done
check "all 3 reach running" test "$running" = 3
check "pagination with --page-size 1 sees all 3" test "$(aws ec2 describe-instances --page-size 1 --query 'length(Reservations[].Instances[])')" = 3
first=$(awk '{print $1}' <<<"$ids")
check "instance status ok" test "$(aws ec2 describe-instance-status --instance-ids "$first" --query 'InstanceStatuses[0].InstanceStatus.Status' --output text)" = ok
check "P quota 0 in us-east-1: VcpuLimitExceeded" bash -c "/usr/bin/aws --endpoint-url $endpoint ec2 run-instances --image-id $dlami --instance-type p3.2xlarge 2>&1 | grep -q VcpuLimitExceeded"
check "spot max price too low" bash -c "/usr/bin/aws --endpoint-url $endpoint ec2 run-instances --image-id $dlami --instance-type g4dn.xlarge --instance-market-options 'MarketType=spot,SpotOptions={MaxPrice=0.001}' 2>&1 | grep -q SpotMaxPriceTooLow"
check "quota value" test "$(aws service-quotas get-service-quota --service-code ec2 --quota-code L-DB2E81BA --query Quota.Value)" = 64.0
check "quota increase approved" test "$(aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-417A185B --desired-value 8 --query RequestedQuota.Status --output text)" = APPROVED
check "unknown quota: NoSuchResourceException" bash -c "/usr/bin/aws --endpoint-url $endpoint service-quotas get-service-quota --service-code ec2 --quota-code L-NOPE 2>&1 | grep -q NoSuchResourceException"
check "create-tags" aws ec2 create-tags --resources "$first" --tags Key=Name,Value=first
check "stop-instances" test "$(aws ec2 stop-instances --instance-ids "$first" --query 'StoppingInstances[0].CurrentState.Name' --output text)" = stopping
for _ in $(seq 1 100); do
  state_name=$(aws ec2 describe-instances --instance-ids "$first" --query 'Reservations[0].Instances[0].State.Name' --output text)
  [ "$state_name" = stopped ] && break
  sleep 0.3
done
check "instance stops" test "$state_name" = stopped
image=$(aws ec2 create-image --instance-id "$first" --name e2e-image --query ImageId --output text)
for _ in $(seq 1 100); do
  image_state=$(aws ec2 describe-images --owners self --query 'Images[0].State' --output text)
  [ "$image_state" = available ] && break
  sleep 0.3
done
check "create-image becomes available (Owner=self)" test "$image_state" = available

# A restart keeps everything.
"$gpubox" local down --state-dir "$state/s" >/dev/null
# shellcheck disable=SC2086
"$gpubox" local up --port "$port" --state-dir "$state/s" $runtime_flag >/dev/null
check "after restart: key pairs kept" test "$(aws ec2 describe-key-pairs --query 'length(KeyPairs)')" = 2
check "after restart: image kept" test "$(aws ec2 describe-images --owners self --query 'Images[0].ImageId' --output text)" = "$image"
check "after restart: stopped instance still stopped, tag kept" test "$(aws ec2 describe-instances --instance-ids "$first" --query 'Reservations[0].Instances[0].[State.Name,Tags[?Key==`Name`].Value|[0]]' --output text)" = "stopped	first"
for _ in $(seq 1 100); do
  running=$(aws ec2 describe-instances --filters Name=instance-state-name,Values=running --query 'length(Reservations[].Instances[])')
  [ "$running" = 2 ] && break
  sleep 0.3
done
check "after restart: running instances run" test "$running" = 2

check "start-instances" test "$(aws ec2 start-instances --instance-ids "$first" --query 'StartingInstances[0].CurrentState.Name' --output text)" = pending
check "terminate-instances" test "$(aws ec2 terminate-instances --instance-ids $ids --query 'length(TerminatingInstances)')" = 3
check "deregister-image" aws ec2 deregister-image --image-id "$image"
check "delete-key-pair" aws ec2 delete-key-pair --key-name made
for _ in $(seq 1 100); do
  live=$(aws ec2 describe-instances --filters Name=instance-state-name,Values=pending,running,stopping,stopped,shutting-down --query 'length(Reservations[].Instances[])')
  [ "$live" = 0 ] && break
  sleep 0.3
done
check "terminated instances still described" test "$(aws ec2 describe-instances --instance-ids "$first" --query 'Reservations[0].Instances[0].State.Name' --output text)" = terminated
check "delete-security-group once instances are gone" aws ec2 delete-security-group --group-id "$sg"

# Auth and faults.
check "bad secret: AuthFailure, as EC2 answers it" bash -c "AWS_SECRET_ACCESS_KEY=nope /usr/bin/aws --endpoint-url $endpoint ec2 describe-regions 2>&1 | grep -q AuthFailure"
check "unknown key: AuthFailure" bash -c "AWS_ACCESS_KEY_ID=AKIANOTKNOWN /usr/bin/aws --endpoint-url $endpoint ec2 describe-regions 2>&1 | grep -q AuthFailure"
"$gpubox" local fault --state-dir "$state/s" --throttle 1 >/dev/null
check "throttling: RequestLimitExceeded" bash -c "/usr/bin/aws --endpoint-url $endpoint ec2 describe-regions 2>&1 | grep -q RequestLimitExceeded"
"$gpubox" local fault --state-dir "$state/s" --clear --capacity-error 'g5.xlarge@*' >/dev/null
check "capacity fault: InsufficientInstanceCapacity" bash -c "/usr/bin/aws --endpoint-url $endpoint ec2 run-instances --image-id $dlami --instance-type g5.xlarge 2>&1 | grep -q InsufficientInstanceCapacity"
"$gpubox" local fault --state-dir "$state/s" --clear --spot-notice-seconds 1 >/dev/null
spot_id=$(aws ec2 run-instances --image-id "$dlami" --instance-type g4dn.xlarge --instance-market-options 'MarketType=spot' --query 'Instances[0].InstanceId' --output text)
for _ in $(seq 1 100); do
  s=$(aws ec2 describe-instances --instance-ids "$spot_id" --query 'Reservations[0].Instances[0].State.Name' --output text)
  [ "$s" = running ] && break
  sleep 0.3
done
check "spot interruption via local fault" "$gpubox" local fault --state-dir "$state/s" --interrupt "$spot_id"
for _ in $(seq 1 100); do
  s=$(aws ec2 describe-instances --instance-ids "$spot_id" --query 'Reservations[0].Instances[0].[State.Name,StateReason.Code]' --output text)
  [ "${s%%	*}" = terminated ] && break
  sleep 0.3
done
check "spot instance terminated after the notice" test "$s" = "terminated	Server.SpotInstanceTermination"

check "botocore parses every response kind" /usr/bin/python3 "$(dirname "$0")/local_botocore_check.py" "$endpoint" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY"

check "down --purge removes the state" "$gpubox" local down --purge --state-dir "$state/s"
check "state dir gone" test ! -e "$state/s"
echo "$passes passed, $failures failed"
[ "$failures" = 0 ]
