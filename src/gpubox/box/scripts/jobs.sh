# gpubox jobs on a box, run as `bash -c` after GPUBOX_JOB_ACTION=start|list|cancel|log and
# its inputs. Each job is a directory ~/.gpubox/jobs/ID (on the box's persistent disk):
#   command, workdir, started (UTC)   what runs, where, since when
#   pid      the job's process: the leader of a session of its own (cancel signals its group)
#   log      its stdout and stderr;  exit   its exit status, once it ended
#   cancelled                         written by cancel before it signals the job
# A job sees GPUBOX_JOB_ID and GPUBOX_CHECKPOINT_DIR (~/.gpubox/checkpoints/ID), and outlives
# the SSH session that started it (setsid, nohup, no descriptor left to ssh).
set -eu
jobs_dir="${HOME}/.gpubox/jobs"

job_state() {  # ID: running|done|failed|cancelled|lost, then a tab and the exit status or -
  local job="${jobs_dir}/$1"
  if [ -e "${job}/cancelled" ]; then
    printf 'cancelled\t%s' "$(cat "${job}/exit" 2> /dev/null || echo -)"
  elif [ -e "${job}/exit" ]; then
    if [ "$(cat "${job}/exit")" = 0 ]; then printf 'done\t0'; else printf 'failed\t%s' "$(cat "${job}/exit")"; fi
  elif [ -e "${job}/pid" ] && kill -0 "$(cat "${job}/pid")" 2> /dev/null; then
    printf 'running\t-'
  else
    printf 'lost\t-'  # gone without an exit status: the box stopped under it
  fi
}

job_start() {
  local job="${jobs_dir}/${GPUBOX_JOB_ID}" workdir="${GPUBOX_JOB_WORKDIR:-}"
  if [ -e "${job}" ]; then
    echo "a job named ${GPUBOX_JOB_ID} already exists on this box" >&2
    exit 3
  fi
  case "${workdir}" in "") workdir="${HOME}" ;; /*) ;; *) workdir="${HOME}/${workdir}" ;; esac
  mkdir -p "${job}" "${HOME}/.gpubox/checkpoints/${GPUBOX_JOB_ID}"
  printf '%s\n' "${GPUBOX_JOB_COMMAND}" > "${job}/command"
  printf '%s\n' "${workdir}" > "${job}/workdir"
  date -u +%Y-%m-%dT%H:%M:%SZ > "${job}/started"
  export GPUBOX_JOB_ID GPUBOX_CHECKPOINT_DIR="${HOME}/.gpubox/checkpoints/${GPUBOX_JOB_ID}"
  # shellcheck disable=SC2016  # expanded by the job's own shell
  # The command runs in a subshell (an `exit` in it ends only that); its shell outlives a
  # SIGTERM to the group (a handler, not an ignore: the job still gets the signal) to write
  # the exit status.
  setsid nohup bash -c 'trap true TERM; cd "$1" && (eval "$2"); echo $? > "$3/exit.new"
    mv "$3/exit.new" "$3/exit"' \
    job "${workdir}" "${GPUBOX_JOB_COMMAND}" "${job}" > "${job}/log" 2>&1 < /dev/null &
  echo $! > "${job}/pid"
  echo "gpubox-job ${GPUBOX_JOB_ID}"
}

job_list() {  # one line per job, oldest first: ID, state, exit, started, command (tab-separated)
  local job id
  [ -d "${jobs_dir}" ] || return 0
  for job in "${jobs_dir}"/*/; do
    [ -e "${job}started" ] || continue
    id=$(basename "${job}")
    printf '%s\t%s\t%s\t%s\n' "${id}" "$(job_state "${id}")" "$(cat "${job}started")" \
      "$(head -n 1 "${job}command")"
  done | sort -t "$(printf '\t')" -k 4,4 -s
}

job_cancel() {  # SIGTERM to the job's group (its cue to checkpoint), SIGKILL after the grace
  local job="${jobs_dir}/${GPUBOX_JOB_ID}" pid waited=0
  if [ ! -e "${job}/started" ]; then
    echo "no job ${GPUBOX_JOB_ID} on this box" >&2
    exit 3
  fi
  if [ "$(job_state "${GPUBOX_JOB_ID}" | cut -f1)" != running ]; then
    job_state "${GPUBOX_JOB_ID}"
    echo
    return 0
  fi
  pid=$(cat "${job}/pid")
  touch "${job}/cancelled"
  kill -TERM -- "-${pid}" 2> /dev/null || true
  while kill -0 "${pid}" 2> /dev/null && [ "${waited}" -lt "$((${GPUBOX_JOB_GRACE_S:-10} * 10))" ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  kill -KILL -- "-${pid}" 2> /dev/null || true
  job_state "${GPUBOX_JOB_ID}"
  echo
}

job_log() {  # the log of GPUBOX_JOB_ID (the newest job when empty); GPUBOX_FOLLOW=1: until it ends
  local id="${GPUBOX_JOB_ID:-}"
  if [ -z "${id}" ]; then id=$(job_list | tail -n 1 | cut -f1); fi
  if [ -z "${id}" ] || [ ! -e "${jobs_dir}/${id}/log" ]; then
    echo "no job ${id:-at all} on this box" >&2
    exit 3
  fi
  if [ "${GPUBOX_FOLLOW:-0}" = 1 ]; then
    exec tail -n +1 --pid="$(cat "${jobs_dir}/${id}/pid")" -f "${jobs_dir}/${id}/log"
  fi
  cat "${jobs_dir}/${id}/log"
}

case "${GPUBOX_JOB_ACTION}" in
  start) job_start ;;
  list) job_list ;;
  cancel) job_cancel ;;
  log) job_log ;;
  *) echo "unknown job action ${GPUBOX_JOB_ACTION}" >&2; exit 2 ;;
esac
