#!/usr/bin/env bash
# Jobs on a box (issue 9 item 3): `run` copies the workdir over the box's SSH (rsync) and
# starts the command detached, its output logged on the box; `logs -f` follows it to the end;
# `jobs` lists id, state and exit status; `cancel` sends SIGTERM (the job checkpoints) and the
# job outlives the SSH session that started it.
set -uo pipefail
gpubox=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/local_cloud_env.sh"

check "up (no setup: jobs need none)" "$gpubox" up jb --no-setup
mkdir -p "$work/proj"
# shellcheck disable=SC2016  # expanded on the box
printf '%s\n' 'echo "job $GPUBOX_JOB_ID in $(basename "$PWD") with $1"' \
  'echo step-3 > "$GPUBOX_CHECKPOINT_DIR/step"' 'echo finished' >"$work/proj/train.sh"
id=$("$gpubox" run jb --workdir "$work/proj" --name t1 -- bash train.sh "two words" 2>"$work/run.err")
check "run prints the job id" test "$id" = t1
check "logs -f follows the job to its end" \
  test "$("$gpubox" logs jb t1 -f)" = "$(printf 'job t1 in proj with two words\nfinished')"
check "jobs --json: done, exit 0, the exact command" jqe '.[0].id == "t1" and .[0].state == "done"
  and .[0].exit_status == 0 and .[0].restarts == 0
  and .[0].command == "'"'bash' 'train.sh' 'two words'"'"' <<<"$("$gpubox" jobs jb --json)"
check "the checkpoint dir is on the box's disk" \
  test "$("$gpubox" exec jb -- cat .gpubox/checkpoints/t1/step)" = step-3
# A job that runs until told: SIGTERM is its cue to checkpoint.
"$gpubox" run jb --name long -- sh -c \
  'trap "echo checkpointed; exit 143" TERM; echo started; sleep 60 & wait' >/dev/null 2>&1
sleep 1
check "it outlives the SSH session that started it" \
  jqe '.[] | select(.id == "long") | .state == "running"' <<<"$("$gpubox" jobs jb --json)"
check "the newest job's log without naming it" test "$("$gpubox" logs jb)" = started
check "cancel: SIGTERM, then cancelled with the job's own status" \
  test "$("$gpubox" cancel jb long)" = "long is cancelled (exit 143)"
check "the job checkpointed on SIGTERM" grep -q checkpointed <<<"$("$gpubox" logs jb long)"
check "jobs lists both" test "$("$gpubox" jobs jb | grep -c -E '^(t1|long) ')" = 2
"$gpubox" run jb --name t1 -- true 2>"$work/dup.err"
check "a second job of the same name: usage error" test $? = 2
"$gpubox" logs jb nope 2>"$work/nope.err"
check "logs of no such job: exit 3, one error line" test $? = 3
check "... one line" test "$(grep -c '^gpubox: error: ' "$work/nope.err")" = 1
"$gpubox" run jb -- 2>/dev/null
check "run without a command: usage error" test $? = 2
check "down" "$gpubox" down jb --yes
check "nothing left" test "$(tag_count jb)" = 0
finish
