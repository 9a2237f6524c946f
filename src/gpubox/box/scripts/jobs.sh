# shellcheck shell=bash
# gpubox jobs on a box, run by bash after GPUBOX_JOB_ACTION=start|list|cancel|log|interrupt|
# restart and its inputs; gpubox keeps a copy at ~/.gpubox/bin/jobs.sh for the on-box agent
# (agent.py), which calls interrupt and restart as the box user. Each job is a directory
# ~/.gpubox/jobs/ID (on the box's persistent disk):
#   command, workdir, started (UTC)   what runs, where, since when
#   restart  its policy: on-interruption (default), never or on-failure;  max_restarts  cap
#   pid      the job's process: the leader of a session of its own (cancel signals its group)
#   log      its stdout and stderr;  exit   its exit status, once it ended
#   cancelled                         written by cancel before it signals the job
#   interrupted                       written by the agent at a spot notice, before SIGTERM
#   interruptions                     every such time, one a line (kept across restarts)
#   restarts                          how many times the agent started it again
#   failures                          how many of those followed a non-zero exit (on-failure)
# A job sees GPUBOX_JOB_ID and GPUBOX_CHECKPOINT_DIR (~/.gpubox/checkpoints/ID), and outlives
# the SSH session that started it (setsid, nohup, no descriptor left to ssh).
set -eu
jobs_dir="${HOME}/.gpubox/jobs"

job_alive() {  # ID: its process runs (a pid reused after a reboot is not the job's)
  local job="${jobs_dir}/$1" pid
  pid=$(cat "${job}/pid" 2> /dev/null) || return 1
  kill -0 "${pid}" 2> /dev/null && grep -qaF "${job}" "/proc/${pid}/cmdline" 2> /dev/null
}

# ID: running|done|failed|cancelled|interrupted|lost, a tab, the exit status or -, a tab and
# the restart count. Interrupted: the agent signalled it at a spot notice and it did not end
# well (a job that finished with 0 anyway is done).
job_state() {
  local job="${jobs_dir}/$1" code restarts alive=0
  # Alive first, the exit status second: the job's shell writes its status before it ends, so
  # a job seen gone has its status on disk by then (the other order races a job's last
  # instant).
  if job_alive "$1"; then alive=1; fi
  code=$(cat "${job}/exit" 2> /dev/null || echo -)
  restarts=$(cat "${job}/restarts" 2> /dev/null || echo 0)
  if [ -e "${job}/cancelled" ]; then
    printf 'cancelled\t%s' "${code}"
  elif [ -e "${job}/interrupted" ] && [ "${code}" != 0 ]; then
    if [ "${alive}" = 1 ] && [ "${code}" = - ]; then
      printf 'running\t-'
    else
      printf 'interrupted\t%s' "${code}"
    fi
  elif [ "${code}" != - ]; then
    if [ "${code}" = 0 ]; then printf 'done\t0'; else printf 'failed\t%s' "${code}"; fi
  elif [ "${alive}" = 1 ]; then
    printf 'running\t-'
  else
    printf 'lost\t-'  # gone without an exit status: the box stopped under it
  fi
  printf '\t%s' "${restarts}"
}

job_launch() {  # ID: runs the job's command detached, in its workdir, and records its pid
  local job="${jobs_dir}/$1"
  export GPUBOX_JOB_ID="$1" GPUBOX_CHECKPOINT_DIR="${HOME}/.gpubox/checkpoints/$1"
  # A cluster node's variables (cluster.sh), also for a job the agent restarts as root's child.
  # shellcheck disable=SC1090
  if [ -r "${HOME}/.gpubox/cluster.env" ]; then . "${HOME}/.gpubox/cluster.env"; fi
  # shellcheck disable=SC2016  # expanded by the job's own shell
  # The command runs in a subshell (an `exit` in it ends only that); its shell outlives a
  # SIGTERM to the group (a handler, not an ignore: the job still gets the signal) to write
  # the exit status. A job that failed after a SIGTERM nobody here sent (not a cancel, not
  # the agent at a spot notice: the OS shutting down for a stop) keeps no status: it is lost,
  # the box stopped under it, and its restart policy brings it back.
  setsid nohup bash -c 'trap "signalled=1" TERM; cd "$1" && (eval "$2"); code=$?
    if [ "${code}" != 0 ] && [ -n "${signalled:-}" ] && [ ! -e "$3/cancelled" ] &&
      [ ! -e "$3/interrupted" ]; then exit 0; fi
    echo "${code}" > "$3/exit.new"; mv "$3/exit.new" "$3/exit"' \
    job "$(cat "${job}/workdir")" "$(cat "${job}/command")" "${job}" >> "${job}/log" 2>&1 < /dev/null &
  local pid=$! waited=0
  # The pid is recorded once the job's shell runs: until setsid and nohup exec it, the
  # process still shows this script's command line, and a reader would find the job lost.
  while [ -e "/proc/${pid}" ] && ! grep -qaF "${job}" "/proc/${pid}/cmdline" 2> /dev/null &&
    [ "${waited}" -lt 100 ]; do
    sleep 0.01
    waited=$((waited + 1))
  done
  echo "${pid}" > "${job}/pid"
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
  printf '%s\n' "${GPUBOX_JOB_RESTART:-on-interruption}" > "${job}/restart"
  printf '%s\n' "${GPUBOX_JOB_MAX_RESTARTS:-3}" > "${job}/max_restarts"
  date -u +%Y-%m-%dT%H:%M:%SZ > "${job}/started"
  : > "${job}/log"
  job_launch "${GPUBOX_JOB_ID}"
  echo "gpubox-job ${GPUBOX_JOB_ID}"
}

# One line per job, oldest first, tab-separated: ID, state, exit, restarts, started, the last
# interruption (- for none), command.
job_list() {
  local job id state
  [ -d "${jobs_dir}" ] || return 0
  for job in "${jobs_dir}"/*/; do
    [ -e "${job}started" ] || continue
    id=$(basename "${job}")
    state=$(job_state "${id}")
    # First, to sort by and then cut: when it started to the nanosecond (the started file's
    # time; its text has whole seconds, and two jobs may start within one).
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -r "${job}started" +%s%N)" "${id}" "${state}" \
      "$(cat "${job}started")" "$(tail -n 1 "${job}interruptions" 2> /dev/null || echo -)" \
      "$(head -n 1 "${job}command")"
  done | sort -t "$(printf '\t')" -k 1,1n -s | cut -f 2-
}

job_exists() {
  if [ ! -e "${jobs_dir}/${GPUBOX_JOB_ID}/started" ]; then
    echo "no job ${GPUBOX_JOB_ID} on this box" >&2
    exit 3
  fi
}

job_cancel() {  # SIGTERM to the job's group (its cue to checkpoint), SIGKILL after the grace
  local job="${jobs_dir}/${GPUBOX_JOB_ID}" pid waited=0
  job_exists
  if [ "$(job_state "${GPUBOX_JOB_ID}" | cut -f1)" != running ]; then
    job_state "${GPUBOX_JOB_ID}" | cut -f1,2
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
  job_state "${GPUBOX_JOB_ID}" | cut -f1,2
}

job_interrupt() {  # the agent, at a spot notice: mark the running job, SIGTERM its group
  local job="${jobs_dir}/${GPUBOX_JOB_ID}"
  job_exists
  job_alive "${GPUBOX_JOB_ID}" || return 0
  date -u +%Y-%m-%dT%H:%M:%SZ > "${job}/interrupted"
  cat "${job}/interrupted" >> "${job}/interruptions"
  printf '[gpubox] %s: %s\n' "$(date -u +%H:%M:%S)" "${GPUBOX_JOB_REASON:-interrupted}" >> "${job}/log"
  kill -TERM -- "-$(cat "${job}/pid")" 2> /dev/null || true
  echo "gpubox-signalled ${GPUBOX_JOB_ID}"
}

job_restart() {  # the agent: start a job that is not running again, with the same id and dirs
  local job="${jobs_dir}/${GPUBOX_JOB_ID}" restarts
  job_exists
  if job_alive "${GPUBOX_JOB_ID}" || [ -e "${job}/cancelled" ]; then return 0; fi
  restarts=$(($(cat "${job}/restarts" 2> /dev/null || echo 0) + 1))
  printf '%s\n' "${restarts}" > "${job}/restarts"
  if [ "${GPUBOX_JOB_FAILURE:-0}" = 1 ]; then  # counted against max_restarts
    printf '%s\n' "$(($(cat "${job}/failures" 2> /dev/null || echo 0) + 1))" > "${job}/failures"
  fi
  rm -f "${job}/exit" "${job}/interrupted"
  printf '[gpubox] %s: restart %s (%s)\n' "$(date -u +%H:%M:%S)" "${restarts}" \
    "${GPUBOX_JOB_REASON:-restart}" >> "${job}/log"
  job_launch "${GPUBOX_JOB_ID}"
  echo "gpubox-restarted ${GPUBOX_JOB_ID} ${restarts}"
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
  interrupt) job_interrupt ;;
  restart) job_restart ;;
  *) echo "unknown job action ${GPUBOX_JOB_ACTION}" >&2; exit 2 ;;
esac
