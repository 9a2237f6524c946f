#!/usr/bin/env bash
# The on-box agent (issue 9 item 4): installed by the user data, checked by setup, running as
# root after setup and after every boot. A training job (tests/e2e/agent_train.py: torch,
# fixed seed) runs with `gpubox run`; a spot interruption notice is injected; the notice is
# in IMDS on the box, the job gets SIGTERM and checkpoints, an open terminal and the notebook
# root get the warning, the box stops with its disk; after start the agent restarts the job,
# which resumes from its checkpoint, redoes no step, and ends with the uninterrupted result.
# Figures: notice -> job signalled, box back -> job running again.
set -uo pipefail
gpubox=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/local_cloud_env.sh"
export GPUBOX_AGENT_POLL_S=1
notice_s=${GPUBOX_TEST_NOTICE_S:-8}
steps=40 step_s=0.25 every=10
"$gpubox" local fault --spot-notice-seconds "$notice_s" >/dev/null

mkdir -p "$work/proj" "$work/ref"
cp "$here/agent_train.py" "$work/proj/"
reference=$(GPUBOX_CHECKPOINT_DIR="$work/ref" /usr/bin/python3 "$work/proj/agent_train.py" \
  "$steps" 0 "$every" | sed -n 's/^result //p')
check "the uninterrupted run gives a result" test -n "$reference"

box_events() { "$gpubox" exec "$1" -- cat /var/lib/gpubox/events.jsonl; }
event_ts() {  # BOX KIND: the newest event's time, in ms
  box_events "$1" | jq -s -r --arg k "$2" '[.[] | select(.kind == $k)] | last | .ts * 1000 | floor'
}
agent_is_root() {
  # shellcheck disable=SC2016  # expanded on the box
  test "$("$gpubox" exec "$1" -- sh -c 'stat -c %U "/proc/$(jq -r .pid /run/gpubox-agent/status.json)"')" = root
}
job_field() { "$gpubox" jobs "$1" --json | jq -r ".[] | select(.id == \"$2\") | .$3"; }
wait_for() {  # SECONDS COMMAND...: until COMMAND succeeds
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do [ "$SECONDS" -lt "$deadline" ] || return 1; sleep 0.2; done
}
log_has() { "$gpubox" logs "$1" "$2" 2>/dev/null | grep -q "$3"; }
state_is() { test "$(job_field "$1" "$2" state)" = "$3"; }
# Restarted once, and running (or already done: under ASan the rest of the job can end
# between two looks).
restarted_once() {
  test "$(job_field "$1" "$2" restarts)" = 1 && { state_is "$1" "$2" running || state_is "$1" "$2" "done"; }
}
cloud_state() {  # INSTANCE REGION: as EC2 describes it
  AWS_ACCESS_KEY_ID=$ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SECRET_KEY AWS_PAGER="" \
    /usr/bin/aws --endpoint-url "$ENDPOINT" --region "$2" ec2 describe-instances \
    --instance-ids "$1" --query 'Reservations[0].Instances[0].State.Name' --output text
}
cloud_state_in() { case "$(cloud_state "$1" "$2")" in "$3" | "$4") return 0 ;; *) return 1 ;; esac; }
each_step_once() {  # BOX JOB: every step 1..steps logged exactly once (no work redone)
  local steps_logged
  steps_logged=$("$gpubox" logs "$1" "$2" | sed -n 's/^step \([0-9]*\) .*/\1/p')
  test "$(sort -n <<<"$steps_logged" | uniq | wc -l)" = "$steps" &&
    test "$(wc -l <<<"$steps_logged")" = "$steps"
}

check "up --spot (with setup: its last phase checks the agent)" "$gpubox" up ag --spot
iid=$("$gpubox" ls --json | jq -r '.[] | select(.name == "ag") | .instance_id')
region=$("$gpubox" ls --json | jq -r '.[] | select(.name == "ag") | .region')
check "the agent runs as root after setup" agent_is_root ag
check "its events: started" grep -q '"kind": "agent-started"' <<<"$(box_events ag)"

# An open terminal on the box: ssh with a pty under script(1), its output captured.
mkfifo "$work/term.in"
script -qfc "$gpubox ssh ag" "$work/term.log" <"$work/term.in" >/dev/null 2>&1 &
exec 7>"$work/term.in"
check "a terminal is open on the box" wait_for 20 "$gpubox" exec ag -- sh -c 'ls /dev/pts | grep -q "^[0-9]"'

"$gpubox" run ag --workdir "$work/proj" --name train -- \
  /usr/bin/python3 agent_train.py "$steps" "$step_s" "$every" >/dev/null 2>&1
check "the job trains" wait_for 60 log_has ag train "^step 5 "
notice_ms=$(now_ms)
check "fault: spot interruption notice" "$gpubox" local fault --interrupt "$iid"
# shellcheck disable=SC2016  # expanded on the box
imds=$("$gpubox" exec ag -- sh -c 'T=$(curl -s -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" \
  http://169.254.169.254/latest/api/token); curl -s -H "X-aws-ec2-metadata-token: $T" \
  http://169.254.169.254/latest/meta-data/spot/instance-action')
check "the notice is in IMDS on the box" \
  jqe '.action == "stop" or .action == "terminate"' <<<"$imds" >/dev/null
check "the job got SIGTERM and checkpointed" wait_for "$notice_s" log_has ag train "^checkpointed at step"
check "jobs shows it interrupted" wait_for 5 state_is ag train interrupted
signalled_ms=$(event_ts ag jobs-signalled)
check "the terminal got the warning" wait_for 5 grep -q "spot interruption: this box will" "$work/term.log"
check "so did the notebook root" grep -q "spot interruption" <<<"$("$gpubox" exec ag -- cat notebooks/GPUBOX-NOTICE.txt)"
# shellcheck disable=SC2016  # expanded on the box
check "Jupyter serves it, and the custom.js that shows it" "$gpubox" exec ag -- sh -c \
  'a="Authorization: token $(cat ~/.gpubox/jupyter.token)"; u=http://127.0.0.1:8888
   curl -sf -H "$a" "$u/api/contents/GPUBOX-NOTICE.txt" | grep -q "spot interruption" &&
   curl -sf -H "$a" "$u/custom/custom.js" | grep -q GPUBOX-NOTICE.txt'
exec 7>&-
boots() { box_events "$1" 2>/dev/null | grep -c '"kind": "boot"'; }
went_down() {  # stopped or terminated, or already back (a persistent request restarts it)
  cloud_state_in "$iid" "$region" stopped terminated ||
    { cloud_state_in "$iid" "$region" running running && [ "$(boots ag)" -ge 2 ]; }
}
check "the box goes down after the notice period" wait_for $((notice_s + 30)) went_down

check "stopped with its disk, not terminated (a persistent spot request)" \
  test "$(cloud_state "$iid" "$region")" != terminated
check "start the stopped spot box (unless the cloud did)" "$gpubox" start ag
check "the agent runs again after the boot" agent_is_root ag
check "it restarted the job" wait_for 20 restarted_once ag train
running_ms=$(event_ts ag job-restarted) boot_ms=$(event_ts ag boot)
check "the job finishes" wait_for 60 state_is ag train "done"
check "it resumed from its checkpoint" log_has ag train "^resumed from step"
check "no step done twice, none missing" each_step_once ag train
check "the same result as the uninterrupted run" log_has ag train "^result $reference"
check "jobs counts one restart" test "$(job_field ag train restarts)" = 1
check "and shows the interruption" test "$(job_field ag train last_interruption)" != null
echo "figure: notice -> job signalled $((signalled_ms - notice_ms)) ms;" \
  "notice -> box stopped and back -> job running again $((running_ms - notice_ms)) ms" \
  "(agent's first tick after the boot -> job running $((running_ms - boot_ms)) ms)"
events=$("$gpubox" events ag)
check "events: the box's own (notice, jobs signalled, restart) beside the laptop's" bash -c \
  "grep -qE ' box +spot-notice ' <<<'$events' && grep -qE ' box +job-restarted +job=train' \
   <<<'$events' && grep -qE ' laptop +' <<<'$events'"

# run --recover on a box with the agent: capacity withheld past --recover-after, the box is
# recovered into another zone from its disk, the agent there restarts the job, which resumes
# from its checkpoint and finishes; run exits with the job's status.
zone_of() { "$gpubox" ls --json | jq -r '.[] | select(.name == "ag") | .zone'; }
zone=$(zone_of) type=$("$gpubox" ls --json | jq -r '.[] | select(.name == "ag") | .instance_type')
"$gpubox" local fault --spot-notice-seconds 2 >/dev/null
( wait_for 60 log_has ag again "^step 13 " &&
  "$gpubox" local fault --withdraw-capacity "$type@$zone" >/dev/null ) &
withdraw=$!
recover_start_ms=$(now_ms)
GPUBOX_WATCH_POLL_SECONDS=1 GPUBOX_LOST_JOB_GRACE_SECONDS=20 "$gpubox" run ag --name again \
  --workdir "$work/proj" --recover --recover-after 2 -- \
  /usr/bin/python3 agent_train.py "$steps" "$step_s" "$every" >/dev/null 2>"$work/watch.err"
status=$?
recover_ms=$(($(now_ms) - recover_start_ms))
wait "$withdraw"
"$gpubox" local fault --restore-capacity "$type@$zone" >/dev/null
check "run --recover recovered the box by itself" grep -q "recovering it" "$work/watch.err"
check "... and exited with the job's status, 0" test "$status" = 0
check "... into another zone, one live instance" \
  bash -c "[ '$(zone_of)' != '$zone' ] && [ '$(tag_count ag)' = 1 ]"
check "the agent there restarted the job" test "$(job_field ag again restarts)" = 1
check "which resumed from its checkpoint (where the notice found it)" log_has ag again "^resumed from step [1-9]"
check "no step done twice, none missing" each_step_once ag again
check "the same result as the uninterrupted run" log_has ag again "^result $reference"
echo "figure: run --recover of a ${steps}-step job across an interruption and a recovery:" \
  "${recover_ms} ms in all"
check "down" "$gpubox" down ag --yes
check "nothing left" test "$(tag_count ag)" = 0
finish
