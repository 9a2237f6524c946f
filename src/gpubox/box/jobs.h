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

/// When the on-box agent (box/scripts/agent.py) starts a job again, with the same id and
/// checkpoint directory: after a spot interruption (the box came back), never, or also after
/// a non-zero exit (at most `max_restarts` times for failures).
enum class RestartPolicy { kOnInterruption, kNever, kOnFailure };

/// "on-interruption", "never", "on-failure" and back; kUsage for other names.
std::string_view RestartPolicyName(RestartPolicy policy);
Result<RestartPolicy> ParseRestartPolicy(std::string_view name);

struct JobSpec {
  std::string id;                 ///< ValidateJobName()'s names
  std::string workdir;            ///< on the box, relative to home; empty: home
  std::vector<std::string> argv;  ///< run exactly (each argument quoted for the remote shell)
  RestartPolicy restart = RestartPolicy::kOnInterruption;
  int max_restarts = 3;  ///< on-failure: restarts after non-zero exits, at most this many
  /// `$VAR` in the arguments expanded on the box (ExpandingCommandLine), not kept literal.
  bool expand_variables = false;
};

/// One row of `gpubox jobs`.
struct JobInfo {
  std::string id;
  /// running, done, failed, cancelled, interrupted (signalled at a spot notice; the agent
  /// restarts it when the box is back), lost (ended without a status: the box stopped)
  std::string state;
  std::optional<int> exit_status;
  std::string started;  ///< UTC, ISO 8601
  std::string command;
  int restarts = 0;               ///< how many times the on-box agent started it again
  std::string last_interruption;  ///< UTC: the last spot notice that stopped it; empty: none
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

/// Starts the job on the box; kUsage when a job of that name exists there. Also leaves
/// jobs.sh at ~/.gpubox/bin/jobs.sh there, where the agent finds it.
Result<void> StartJob(Env& env, const SshTarget& target, const JobSpec& job);

/// The box's jobs, oldest first.
Result<std::vector<JobInfo>> ListJobs(Env& env, const SshTarget& target);

/// SIGTERM to the job's process group (its cue to checkpoint), SIGKILL after `grace_s`;
/// returns its state after. kNotFound when the box has no such job.
Result<JobInfo> CancelJob(Env& env, const SshTarget& target, const std::string& id, int grace_s);

/// The ssh command that prints a job's log (`id` empty: the newest job's); with `follow`,
/// it keeps printing until the job ends.
std::vector<std::string> JobLogCommand(const SshTarget& target, const std::string& id, bool follow);

/// Parses job_list's lines (ID, state, exit, restarts, started, last interruption or -,
/// command; tab-separated).
std::vector<JobInfo> ParseJobList(std::string_view text);

}  // namespace gpubox
