#!/usr/bin/env bash
# The AWS path: the same commands with --cloud aws and AWS_ENDPOINT_URL pointed at an EC2
# endpoint (here the local cloud), credentials from the environment as the AWS CLI takes
# them. The AWS setup script is shown whole by --dry-run and passes shellcheck; it needs
# the internet, so the launched box here runs with --no-setup.
set -uo pipefail
gpubox=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/local_cloud_env.sh"
export GPUBOX_CLOUD=aws AWS_ENDPOINT_URL=$ENDPOINT AWS_ACCESS_KEY_ID=$ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$SECRET_KEY AWS_REGION=us-east-1 GPUBOX_CALLER_IP=$bridge_ip
unset AWS_PROFILE AWS_SESSION_TOKEN

plan=$("$gpubox" up a1 --gpu T4 --framework mxnet --dry-run --json)
check "dry-run plans the cheapest offer first" jqe '.candidates[0].instance_type == "g4dn.xlarge"' <<<"$plan"
jq -r .setup_script <<<"$plan" >"$work/setup_aws.sh"
check "dry-run shows the AWS setup script whole" grep -q "run_phase gpu-check" "$work/setup_aws.sh"
check "the AWS setup script passes shellcheck" shellcheck -s bash "$work/setup_aws.sh"
check "dry-run launched nothing" test "$(tag_count a1)" = 0
# A dry run needs no network beyond the cloud's read-only calls: with the address lookup
# unreachable (a closed loopback port) and no GPUBOX_CALLER_IP, it still plans.
closed_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
offline_plan=$(env -u GPUBOX_CALLER_IP GPUBOX_CHECKIP_URL="http://127.0.0.1:$closed_port/" \
  "$gpubox" up a0 --gpu T4 --dry-run 2>"$work/offline.err")
check "dry-run with the address lookup unreachable: exit 0" test $? = 0
check "dry-run shows the plan offline" grep -q "g4dn.xlarge" <<<"$offline_plan"
check "dry-run says the SSH source is looked up at launch" \
  grep -q "your public address, looked up at launch" <<<"$offline_plan"
check "dry-run --json says so too" jqe '.ssh_from == "your public address, looked up at launch"' \
  <<<"$(env -u GPUBOX_CALLER_IP GPUBOX_CHECKIP_URL="http://127.0.0.1:$closed_port/" \
    "$gpubox" up a0 --gpu T4 --dry-run --json)"
# shellcheck disable=SC2016  # $ip is jq's
check "dry-run with GPUBOX_CALLER_IP shows that address" \
  jqe --arg ip "$bridge_ip/32" '.ssh_from == $ip' <<<"$plan"
env -u GPUBOX_CALLER_IP GPUBOX_CHECKIP_URL="http://127.0.0.1:$closed_port/" \
  "$gpubox" up a0 --gpu T4 --no-setup --yes >/dev/null 2>"$work/offline-up.err"
check "a real up with the lookup unreachable fails with the network exit status" test $? = 8
check "... and launched nothing" test "$(tag_count a0)" = 0
check "quota --json answers per region and code" \
  jqe 'length > 0 and all(.[]; has("quota_code") and has("vcpus_in_use"))' <<<"$("$gpubox" quota --gpu T4 --json)"

check "quota says the exact P increase in us-east-1" jqe \
  '.[] | select(.quota_code == "L-417A185B") | (.ok == false and .request_value == 8)' \
  <<<"$("$gpubox" quota --gpu V100 --on-demand --region us-east-1 --json)"
check "quota --request files it" "$gpubox" quota --gpu V100 --on-demand --region us-east-1 --request --yes
check "after the request the quota allows it" jqe \
  '.[] | select(.quota_code == "L-417A185B") | .ok' \
  <<<"$("$gpubox" quota --gpu V100 --on-demand --region us-east-1 --json)"
check "up --cloud aws (no setup)" "$gpubox" up a1 --gpu T4 --on-demand --no-setup --yes
check "ls shows the aws box" jqe '.[0].cloud == "aws" and .[0].state == "running"' <<<"$("$gpubox" ls --json)"
check "exec on the aws box" test "$("$gpubox" exec a1 -- echo hi)" = hi
check "down --cloud aws" "$gpubox" down a1 --yes
check "nothing left" test "$(tag_count a1)" = 0
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
"$gpubox" ls >"$work/nocreds.log" 2>&1
check "missing credentials: exit 6" test $? = 6
check "missing credentials: one error line naming where it looked" \
  test "$(grep -c '^gpubox: error: ' "$work/nocreds.log")" = 1
finish
