#pragma once
/// Jobs on a box: a command started detached from the SSH session, its output logged on the
/// box, its state kept in ~/.gpubox/jobs/ID there (box/scripts/jobs.sh), so the laptop can
/// disconnect. A job sees GPUBOX_JOB_ID and GPUBOX_CHECKPOINT_DIR (~/.gpubox/checkpoints/ID,
/// on the box's persistent disk); `--workdir` is copied to the box with rsync over its SSH.

#include <optional>
#include <string>
#include <vector>

#include "gpubox/box/ssh.h"
#include "gpubox/sys/env.h"
#include "gpubox/util/result.h"

namespace gpubox {

struct JobSpec {
  std::string id;                 ///< ValidateJobName()'s names
  std::string workdir;            ///< on the box, relative to home; empty: home
  std::vector<std::string> argv;  ///< run exactly (each argument quoted for the remote shell)
};

/// One row of `gpubox jobs`.
struct JobInfo {
  std::string id;
  std::string state;  ///< running, done, failed, cancelled, lost (ended without a status)
  std::optional<int> exit_status;
  std::string started;  ///< UTC, ISO 8601
  std::string command;
  int restarts = 0;  ///< the on-box agent (issue 9 item 4) restarts jobs; none without it
};

/// Job names: 1-40 of [a-z0-9._-], starting with a letter or digit.
Result<void> ValidateJobName(const std::string& name);

/// A job id for a job started at `unix_seconds`: "job-YYYYMMDD-HHMMSS" (UTC).
std::string NewJobId(int64_t unix_seconds);

/// Copies the local directory `local_dir` to `remote_dir` (relative to the box user's home)
/// with rsync over the box's SSH; returns the remote directory. Files the job wrote there
/// are kept (no --delete).
Result<std::string> SyncWorkdir(Env& env, const SshTarget& target, const std::string& local_dir,
                                const std::string& remote_dir);

/// Starts the job on the box; kUsage when a job of that name exists there.
Result<void> StartJob(Env& env, const SshTarget& target, const JobSpec& job);

/// The box's jobs, oldest first.
Result<std::vector<JobInfo>> ListJobs(Env& env, const SshTarget& target);

/// SIGTERM to the job's process group (its cue to checkpoint), SIGKILL after `grace_s`;
/// returns its state after. kNotFound when the box has no such job.
Result<JobInfo> CancelJob(Env& env, const SshTarget& target, const std::string& id, int grace_s);

/// The ssh command that prints a job's log (`id` empty: the newest job's); with `follow`,
/// it keeps printing until the job ends.
std::vector<std::string> JobLogCommand(const SshTarget& target, const std::string& id, bool follow);

/// Parses job_list's lines (ID, state, exit, started, command; tab-separated).
std::vector<JobInfo> ParseJobList(std::string_view text);

}  // namespace gpubox
