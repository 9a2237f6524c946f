#!/usr/bin/env bash
# The box looks after the bill (issue 10), on a private local cloud with short durations:
# an OS shutdown inside an instance stops or terminates it as its
# InstanceInitiatedShutdownBehavior says (user data runs poweroff / shutdown -h now, as root);
# an unused box stops by itself within its --idle-stop plus a slack, after a warning that
# reaches an open terminal; a box with a running `gpubox run` job stays up; a box whose
# notebook cell runs longer than the duration stays up, and stops once only an idle forwarded
# tab is left; --idle-stop off never stops; --max-cost stops the box when price x running time reaches it, with no gpubox
# command running; --idle-action down terminates. Figure: how late the idle stop comes.
set -uo pipefail
gpubox=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/local_cloud_env.sh"
export GPUBOX_AGENT_POLL_S=1
idle_s=20 warn_s=8 slack_s=60

aws_ec2() {  # REGION ARGS...: the AWS CLI against the private cloud
  local region=$1; shift
  AWS_ACCESS_KEY_ID=$ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SECRET_KEY AWS_PAGER="" \
    /usr/bin/aws --endpoint-url "$ENDPOINT" --region "$region" ec2 "$@"
}
state_of() { aws_ec2 "$2" describe-instances --instance-ids "$1" \
  --query 'Reservations[0].Instances[0].State.Name' --output text; }
state_is() { test "$(state_of "$1" "$2")" = "$3"; }
wait_for() {  # SECONDS COMMAND...: until COMMAND succeeds
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do [ "$SECONDS" -lt "$deadline" ] || return 1; sleep 0.5; done
}
field() { "$gpubox" ls --json | jq -r ".[] | select(.name == \"$1\") | .$2"; }

# 1. The local cloud: a shutdown inside, as root (user data), with each behaviour.
ami=$(aws_ec2 us-east-1 describe-images --owners amazon \
  --filters 'Name=name,Values=ubuntu/images/*' --query 'Images[0].ImageId' --output text)
launch() {  # BEHAVIOUR COMMAND: an instance whose user data runs COMMAND after 2 s
  aws_ec2 us-east-1 run-instances --image-id "$ami" --instance-type g6f.large --count 1 \
    --instance-initiated-shutdown-behavior "$1" \
    --user-data "$(printf '#!/bin/sh\nsleep 2\n%s\n' "$2")" \
    --query 'Instances[0].InstanceId' --output text
}
stopper=$(launch stop poweroff)
terminator=$(launch terminate "shutdown -h now")
behaviour() { aws_ec2 "${2:-us-east-1}" describe-instance-attribute --instance-id "$1" \
  --attribute instanceInitiatedShutdownBehavior --query 'InstanceInitiatedShutdownBehavior.Value' \
  --output text; }
check "DescribeInstanceAttribute: the behaviour as launched" \
  test "$(behaviour "$stopper")/$(behaviour "$terminator")" = stop/terminate

# 2. A notebook box (set up: Jupyter), first, so that its long cell overlaps the others. Its
# cell stays busy for longer than the duration plus the agent's 60 s window of SSH traffic
# (the setup's and the tunnel's own bytes): only the Jupyter probe can keep it up that long.
busy_s=100
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
check "up nb (set up: Jupyter; --idle-stop ${idle_s}s)" \
  "$gpubox" up nb --idle-stop "${idle_s}s" --idle-warn "${warn_s}s"
jupyter=$("$gpubox" jupyter nb --json --port "$(free_port)")
mkdir -p "$work/tab"
/usr/bin/python3 "$here/notebook_tab_check.py" "http://127.0.0.1:$(jq -r .port <<<"$jupyter")" \
  "$(jq -r .token <<<"$jupyter")" "$busy_s" $((busy_s + idle_s + slack_s + 60)) "$work/tab" \
  >"$work/tab.log" 2>&1 &
tab_pid=$!

# 3. Boxes, each with the agent from its user data (no setup: fast).
up() { "$gpubox" up "$@" --no-setup >/dev/null 2>"$work/up-$1.err" || { cat "$work/up-$1.err"; return 1; }; }
check "up idle (--idle-stop ${idle_s}s)" up idle --idle-stop "${idle_s}s" --idle-warn "${warn_s}s"
# An open terminal nobody types in: ssh with a pty under script(1), its output captured. Its
# login is the box's last use; the agent's idle.json then says when it will stop.
mkfifo "$work/term.in"
script -qfc "$gpubox ssh idle" "$work/term.log" <"$work/term.in" >/dev/null 2>&1 &
exec 7>"$work/term.in"
sleep 4
stop_at_ms=$("$gpubox" exec idle -- cat /run/gpubox-agent/idle.json | jq '.stop_at * 1000 | floor')
check "the agent says when the unused box will stop" test -n "$stop_at_ms"
check "up busy" up busy --idle-stop "${idle_s}s" --idle-warn "${warn_s}s"
"$gpubox" run busy --name long -- sleep 600 >/dev/null 2>&1
check "up never (--idle-stop off)" up never --idle-stop off
check "up down (--idle-action down)" up down --idle-stop "${idle_s}s" --idle-warn "${warn_s}s" \
  --idle-action down
# The budget: 40 s of running time at the box's price (the plan's first offer), counted from
# the agent's start.
price=$("$gpubox" up cost --dry-run --json | jq -r '.candidates[0].price_usd_hr')
max_cost=$(awk -v p="$price" 'BEGIN {printf "%.6f", p * 40 / 3600}')
check "up cost (--max-cost \$$max_cost: 40 s at \$$price/h)" \
  up cost --idle-stop off --max-cost "$max_cost" --idle-warn "${warn_s}s"
cost_up_ms=$(now_ms)
declare -A iid region
for box in idle busy never down cost; do
  iid[$box]=$(field "$box" instance_id) region[$box]=$(field "$box" region)
done
behaviour_of() { behaviour "${iid[$1]}" "${region[$1]}"; }
check "each box launched with the shutdown behaviour of its --idle-action" \
  test "$(behaviour_of idle)/$(behaviour_of down)" = stop/terminate

check "a poweroff inside stops the instance (stop behaviour)" wait_for 30 state_is "$stopper" us-east-1 stopped
check "a shutdown -h now inside terminates it (terminate behaviour)" \
  wait_for 30 state_is "$terminator" us-east-1 terminated
reason=$(aws_ec2 us-east-1 describe-instances --instance-ids "$stopper" \
  --query 'Reservations[0].Instances[0].StateReason.Code' --output text)
check "its state reason is EC2's (Client.InstanceInitiatedShutdown)" \
  test "$reason" = Client.InstanceInitiatedShutdown
check "the stopped instance starts again, disk kept (user data ran once)" \
  aws_ec2 us-east-1 start-instances --instance-ids "$stopper" --output text
check "and stays running" wait_for 30 state_is "$stopper" us-east-1 running
aws_ec2 us-east-1 terminate-instances --instance-ids "$stopper" >/dev/null

check "the idle warning reached the open terminal" \
  wait_for $((idle_s + slack_s)) grep -q "will be stopped at" "$work/term.log"
stopped_ms=0
idle_stopped() { state_is "${iid[idle]}" "${region[idle]}" stopped && stopped_ms=$(now_ms); }
check "the unused box stopped by itself within ${idle_s}s + ${slack_s}s" \
  wait_for $((idle_s + slack_s)) idle_stopped
exec 7>&-
check "--idle-action down: the unused box was terminated" \
  wait_for $((idle_s + slack_s)) state_is "${iid[down]}" "${region[down]}" terminated
check "--max-cost: the box stopped when its budget was spent" \
  wait_for 100 state_is "${iid[cost]}" "${region[cost]}" stopped
cost_stopped_ms=$(now_ms)
check "not before the budget's time" test $((cost_stopped_ms - cost_up_ms)) -ge 20000
check "the box with a running job is still running" state_is "${iid[busy]}" "${region[busy]}" running
check "--idle-stop off: still running" state_is "${iid[never]}" "${region[never]}" running
# The notebook box: up while its cell ran, stopped once only the idle tab was left.
check "the notebook cell ran its ${busy_s}s to the end (the box stayed up)" \
  wait_for $((busy_s + 30)) test -s "$work/tab/cell-done"
check "and the box was still running then" state_is "$(field nb instance_id)" "$(field nb region)" running
[ -s "$work/tab/cell-done" ] || { echo "the tab saw:"; cat "$work/tab.log"; }
nb_stopped_ms=0
nb_stopped() { state_is "$(field nb instance_id)" "$(field nb region)" stopped && nb_stopped_ms=$(now_ms); }
check "with only an idle forwarded tab left, it stopped within ${idle_s}s + ${slack_s}s" \
  wait_for $((idle_s + slack_s)) nb_stopped
check "the tab saw the server go" wait_for 20 test -s "$work/tab/gone"
wait "$tab_pid"
check "gpubox idle shows the setting" grep -q "never stops itself" <<<"$("$gpubox" idle never)"
check "gpubox idle changes it on the running box" \
  grep -q "after 3600 s" <<<"$("$gpubox" idle never 60m)"
# The deadline the warning announced (the last use counted), to the second.
warned_at=$(grep -o "will be stopped at [0-9T:Z-]*" "$work/term.log" | tail -n 1 | awk '{print $5}')
deadline_ms=$(($(date -d "$warned_at" +%s) * 1000))
echo "figure: the idle stop came $((stopped_ms - deadline_ms)) ms after the deadline the warning" \
  "announced (the cloud polled every 0.5 s; idle.json's first stop_at was $((deadline_ms - stop_at_ms))" \
  "ms earlier); --max-cost: stopped at most $(((cost_stopped_ms - cost_up_ms) / 1000)) s after up" \
  "returned (budget 40 s of running time from the agent's start; seen after the other checks);" \
  "the notebook box stopped $((nb_stopped_ms - $(cat "$work/tab/cell-done" 2>/dev/null || echo 0)))" \
  "ms after its ${busy_s}s cell ended (--idle-stop ${idle_s}s)"
for box in idle busy never cost nb; do "$gpubox" down "$box" --yes >/dev/null 2>&1; done
check "nothing left" \
  test "$(tag_count idle)$(tag_count busy)$(tag_count never)$(tag_count cost)$(tag_count nb)" = 00000
finish
