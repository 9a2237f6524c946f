#!/usr/bin/env bash
# A setup that fails on the box: the AWS setup path against the local cloud, whose instances
# have no internet, so setup stops at the first phase that needs it. The reason is shown, the
# whole log is copied here, the box is kept stopped and listed as setup-failed; `up NAME`
# starts it and resumes at that phase; `--rm-on-failure` deletes it as a failed up always
# did. Either way nothing else is left.
set -uo pipefail
gpubox=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/local_cloud_env.sh"
export GPUBOX_CLOUD=aws AWS_ENDPOINT_URL=$ENDPOINT AWS_ACCESS_KEY_ID=$ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$SECRET_KEY AWS_REGION=us-east-1 GPUBOX_CALLER_IP=$bridge_ip
unset AWS_PROFILE AWS_SESSION_TOKEN
logs_dir=$XDG_STATE_HOME/gpubox/setup-logs
# The cloud asked directly (curl signs SigV4; the AWS CLI takes seconds to start on a busy
# machine): ec2 REGION ACTION [NAME=VALUE...] prints the answer's XML.
ec2() {
  local region=$1 action=$2 param
  shift 2
  local args=(--data-urlencode "Action=$action" --data-urlencode "Version=2016-11-15")
  for param in "$@"; do args+=(--data-urlencode "$param"); done
  curl -sS --aws-sigv4 "aws:amz:$region:ec2" --user "$ACCESS_KEY:$SECRET_KEY" "${args[@]}" \
    "$ENDPOINT/"
}
live_instances() {  # live_instances NAME: instances tagged for box NAME, not terminated
  local region total=0 n
  for region in us-east-1 us-west-2 eu-west-1; do
    n=$(ec2 "$region" DescribeInstances "Filter.1.Name=tag:gpubox:box" "Filter.1.Value.1=$1" \
      "Filter.2.Name=instance-state-name" "Filter.2.Value.1=pending" "Filter.2.Value.2=running" \
      "Filter.2.Value.3=stopping" "Filter.2.Value.4=stopped" | grep -o '<instanceId>' | wc -l)
    total=$((total + n))
  done
  echo "$total"
}
lacks() { ! grep -qF "$1" <<<"$2"; }  # lacks TEXT IN
nothing_left_of() {  # nothing_left_of NAME: no instance, group, key pair, record or key file
  check "$1: no instance left" test "$(live_instances "$1")" = 0
  check "$1: no security group left" \
    lacks "<groupName>gpubox-$1</groupName>" "$(ec2 us-east-1 DescribeSecurityGroups)"
  check "$1: no key pair left" lacks "<keyName>gpubox-$1</keyName>" "$(ec2 us-east-1 DescribeKeyPairs)"
  # shellcheck disable=SC2016  # $name is jq's
  check "$1: no record left" jqe --arg name "$1" 'all(.[]; .name != $name)' \
    <<<"$("$gpubox" ls --json)"
  check "$1: no private key left" test ! -e "$HOME/.local/share/gpubox/keys/$1"
}

# 1. The failure: the reason, the copied log, the box kept stopped.
start=$(now_ms)
"$gpubox" up sf --gpu T4 --on-demand --yes >"$work/up1.out" 2>"$work/up1.err"
check "a failed setup exits 4" test $? = 4
echo "timing: up to the kept, stopped box $(($(now_ms) - start)) ms"
cat "$work/up1.err"
error_line=$(grep '^gpubox: error: ' "$work/up1.err")
check "one error line" test "$(grep -c '^gpubox: error: ' "$work/up1.err")" = 1
check "it names the phase and why" grep -qF "setup phase driver failed on sf: needs the internet \
(developer.download.nvidia.com), which this box cannot reach: no route off this box" <<<"$error_line"
check "the offline box is said in one line before the phase fails" \
  grep -qE '^gpubox: setup \[1/7\] driver: needs the internet .*; not trying$' "$work/up1.err"
copy=$(find "$logs_dir" -name 'sf-*.log' 2>/dev/null | head -n 1)
check "the whole setup log is copied here" grep -q "gpubox-phase driver fail" "${copy:-/nonexistent}"
check "... readable by its owner only" test "$(stat -c %a "${copy:-/nonexistent}")" = 600
check "the error line says where the copy is" grep -qF "the whole log is at $copy" <<<"$error_line"
check "and how to resume" grep -qF "'gpubox up sf' resumes at driver" <<<"$error_line"
check "the kept disk's cost is said" \
  grep -qE "its [0-9]+ GiB disk is still billed, about \\\$[0-9]+\.[0-9]{2} a month" "$work/up1.err"
ls_json=$("$gpubox" ls --json)
check "ls --json: setup-failed at driver, stopped in the cloud" jqe '.[0].name == "sf" and
  .[0].state == "setup-failed" and .[0].failed_phase == "driver" and .[0].cloud_state == "stopped"' \
  <<<"$ls_json"
check "ls: setup-failed (driver)" grep -q "setup-failed (driver)" <<<"$("$gpubox" ls)"
check "logs --setup shows the copy of a stopped box" \
  grep -q "gpubox-offline developer.download.nvidia.com" <<<"$("$gpubox" logs sf --setup 2>/dev/null)"
"$gpubox" exec sf -- true 2>"$work/exec.err"
check "exec on the kept box: exit 2" test $? = 2
check "... saying how to resume" grep -qF "'gpubox up sf' resumes it" "$work/exec.err"
"$gpubox" start sf 2>"$work/start.err"
check "start on the kept box: exit 2, pointing to up" \
  grep -qF "'gpubox up sf' starts it and resumes the setup there" "$work/start.err"

# 2. Resume: with a driver on the box's disk (a stand-in nvidia-smi, written while it is
# stopped), `up sf` starts the same instance and resumes at driver, which passes now.
instance=$(jq -r '.[0].instance_id' <<<"$ls_json")
bin=$GPUBOX_LOCAL_STATE_DIR/runtime/instances/$instance/disk/upper/usr/local/bin
mkdir -p "$bin" && printf '#!/bin/sh\necho "stand-in | CUDA Version: 12.4 |"\n' >"$bin/nvidia-smi"
chmod 755 "$bin/nvidia-smi"
start=$(now_ms)
"$gpubox" up sf --yes >/dev/null 2>"$work/up2.err"
check "up again fails at the next phase needing the internet" test $? = 4
echo "timing: up again (start, resume, stop) $(($(now_ms) - start)) ms"
check "... after resuming at driver" grep -q "resuming the setup of sf at phase driver" "$work/up2.err"
check "... starting the kept instance" grep -q "starting $instance" "$work/up2.err"
check "... where driver is done now" grep -q 'setup \[1/7\] driver: done' "$work/up2.err"
check "... and conda fails" grep -q "setup phase conda failed on sf" "$work/up2.err"
check "still one instance" test "$(live_instances sf)" = 1
"$gpubox" up sf --yes >/dev/null 2>"$work/up3.err"
check "a third up skips the finished phase" \
  grep -q 'setup \[1/7\] driver: already done (skipped)' "$work/up3.err"
check "ls: setup-failed (conda)" jqe '.[0].state == "setup-failed" and .[0].failed_phase == "conda"' \
  <<<"$("$gpubox" ls --json)"
check "a copy per failure" test "$(find "$logs_dir" -name 'sf-*.log' | wc -l)" -ge 2
check "down deletes the kept box" "$gpubox" down sf --yes
nothing_left_of sf

# 3. --rm-on-failure: deleted as a failed up always was; the copy of the log stays.
"$gpubox" up sr --gpu T4 --on-demand --yes --rm-on-failure >/dev/null 2>"$work/rm.err"
check "--rm-on-failure: exits 4" test $? = 4
check "... the error line says the box is deleted" \
  grep -qE "^gpubox: error: setup phase driver failed on sr: .*; the box is deleted$" "$work/rm.err"
nothing_left_of sr
check "... the copy of its log still shows" \
  grep -q "gpubox-phase driver fail" <<<"$("$gpubox" logs sr --setup 2>/dev/null)"
check "no namespace left" test -z "$(ip netns list | grep "^$prefix-")"
finish
