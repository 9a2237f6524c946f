#include "gpubox/box/jobs.h"

#include <algorithm>
#include <ctime>

#include "gpubox/box/setup_script.h"
#include "gpubox/sys/process_runner.h"
#include "gpubox/util/strings.h"

namespace gpubox {

extern const char kJobsScript[];

namespace {

/// The remote command: jobs.sh after its inputs, as one `bash -c` argument; with `install`,
/// it first leaves a copy of jobs.sh at ~/.gpubox/bin/jobs.sh for the on-box agent.
std::vector<std::string> JobsCommand(const SshTarget& target,
                                     const std::vector<std::pair<std::string, std::string>>& inputs,
                                     bool install = false) {
  std::string script;
  if (install) {
    script += "mkdir -p ~/.gpubox/bin && cat > ~/.gpubox/bin/jobs.sh.new <<'GPUBOX_JOBS_END'\n" +
              std::string(kJobsScript) +
              "GPUBOX_JOBS_END\nmv -f ~/.gpubox/bin/jobs.sh.new ~/.gpubox/bin/jobs.sh\n";
  }
  for (const auto& [name, value] : inputs) script += name + "=" + ShellQuote(value) + "\n";
  script += kJobsScript;
  return SshCommand(target, {RemoteCommandLine({"bash", "-c", script})});
}

int ParseCount(std::string_view digits) {
  int value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return value;
    value = value * 10 + (c - '0');
  }
  return value;
}

Error BoxSaid(ErrorCode code, const std::string& what, const ProcessResult& run) {
  std::string said(Trim(run.err));
  return Error(run.exit_code == 255 ? ErrorCode::kNetwork : code,
               what + (said.empty() ? "" : ": " + said));
}

constexpr std::pair<RestartPolicy, std::string_view> kRestartPolicies[] = {
    {RestartPolicy::kOnInterruption, "on-interruption"},
    {RestartPolicy::kNever, "never"},
    {RestartPolicy::kOnFailure, "on-failure"}};

}  // namespace

std::string_view RestartPolicyName(RestartPolicy policy) {
  for (const auto& [value, name] : kRestartPolicies) {
    if (value == policy) return name;
  }
  return "on-interruption";
}

Result<RestartPolicy> ParseRestartPolicy(std::string_view name) {
  for (const auto& [value, known] : kRestartPolicies) {
    if (known == name) return value;
  }
  return Fail(ErrorCode::kUsage, "unknown restart policy '" + std::string(name) + "'",
              "use --restart on-interruption, never or on-failure");
}

Result<void> ValidateJobName(const std::string& name) {
  bool ok =
      !name.empty() && name.size() <= 40 && name[0] != '-' && name[0] != '.' &&
      std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
      });
  if (!ok) {
    return Fail(ErrorCode::kUsage, "bad job name '" + name + "'",
                "use 1-40 of a-z, 0-9, '.', '_' and '-', e.g. train-1");
  }
  return {};
}

std::string NewJobId(int64_t unix_seconds) {
  std::time_t when = unix_seconds;
  std::tm utc{};
  gmtime_r(&when, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "job-%Y%m%d-%H%M%S", &utc);
  return stamp;
}

Result<std::string> SyncWorkdir(Env& env, const SshTarget& target, const std::string& local_dir,
                                const std::string& remote_dir) {
  // rsync's -e is one string it splits itself: the ssh command without its destination.
  std::vector<std::string> ssh = SshCommand(target, {});
  ssh.pop_back();
  std::string dir = local_dir.ends_with('/') ? local_dir : local_dir + "/";
  auto run =
      GPUBOX_TRY(env.processes->Run({"rsync", "-az", "--mkpath", "-e", RemoteCommandLine(ssh), dir,
                                     target.user + "@" + target.host + ":" + remote_dir + "/"},
                                    {.timeout_ms = 3600 * 1000}));
  if (run.exit_code != 0) {
    return std::unexpected(
        BoxSaid(ErrorCode::kUsage, "cannot copy " + local_dir + " to the box", run));
  }
  return remote_dir;
}

Result<void> StartJob(Env& env, const SshTarget& target, const JobSpec& job) {
  GPUBOX_TRY_VOID(ValidateJobName(job.id));
  auto run = GPUBOX_TRY(env.processes->Run(
      JobsCommand(target,
                  {{"GPUBOX_JOB_ACTION", "start"},
                   {"GPUBOX_JOB_ID", job.id},
                   {"GPUBOX_JOB_WORKDIR", job.workdir},
                   {"GPUBOX_JOB_COMMAND", job.expand_variables ? ExpandingCommandLine(job.argv)
                                                               : RemoteCommandLine(job.argv)},
                   {"GPUBOX_JOB_RESTART", std::string(RestartPolicyName(job.restart))},
                   {"GPUBOX_JOB_MAX_RESTARTS", std::to_string(job.max_restarts)}},
                  /*install=*/true),
      {.timeout_ms = 60000}));
  if (run.exit_code == 3) {
    return Fail(ErrorCode::kUsage, "a job named " + job.id + " already exists on the box",
                "pick another --name; 'gpubox jobs' lists them");
  }
  if (run.exit_code != 0 || run.out.find("gpubox-job " + job.id) == std::string::npos) {
    return std::unexpected(BoxSaid(ErrorCode::kCloud, "could not start job " + job.id, run));
  }
  return {};
}

std::vector<JobInfo> ParseJobList(std::string_view text) {
  std::vector<JobInfo> jobs;
  for (std::string_view line : Split(text, '\n')) {
    std::vector<std::string_view> fields = Split(line, '\t');
    if (fields.size() < 7) continue;
    JobInfo job{std::string(fields[0]), std::string(fields[1]), std::nullopt,
                std::string(fields[4]), std::string(fields[6]), ParseCount(fields[3])};
    if (fields[5] != "-") job.last_interruption = std::string(fields[5]);
    if (fields[2] != "-") job.exit_status = ParseCount(fields[2]);
    jobs.push_back(std::move(job));
  }
  return jobs;
}

Result<std::vector<JobInfo>> ListJobs(Env& env, const SshTarget& target) {
  auto run = GPUBOX_TRY(env.processes->Run(JobsCommand(target, {{"GPUBOX_JOB_ACTION", "list"}}),
                                           {.timeout_ms = 60000}));
  if (run.exit_code != 0)
    return std::unexpected(BoxSaid(ErrorCode::kCloud, "cannot list jobs", run));
  return ParseJobList(run.out);
}

Result<JobInfo> CancelJob(Env& env, const SshTarget& target, const std::string& id, int grace_s) {
  GPUBOX_TRY_VOID(ValidateJobName(id));
  auto run = GPUBOX_TRY(
      env.processes->Run(JobsCommand(target, {{"GPUBOX_JOB_ACTION", "cancel"},
                                              {"GPUBOX_JOB_ID", id},
                                              {"GPUBOX_JOB_GRACE_S", std::to_string(grace_s)}}),
                         {.timeout_ms = (grace_s + 60) * 1000}));
  if (run.exit_code == 3) {
    return Fail(ErrorCode::kNotFound, "no job " + id + " on the box", "'gpubox jobs' lists them");
  }
  if (run.exit_code != 0)
    return std::unexpected(BoxSaid(ErrorCode::kCloud, "cannot cancel " + id, run));
  std::vector<JobInfo> after =
      ParseJobList(id + "\t" + std::string(Trim(run.out)) + "\t0\t-\t-\t-");
  if (after.empty()) return Fail(ErrorCode::kCloud, "the box answered '" + run.out + "'");
  return after.front();
}

std::vector<std::string> JobLogCommand(const SshTarget& target, const std::string& id,
                                       bool follow) {
  return JobsCommand(
      target,
      {{"GPUBOX_JOB_ACTION", "log"}, {"GPUBOX_JOB_ID", id}, {"GPUBOX_FOLLOW", follow ? "1" : "0"}});
}

}  // namespace gpubox
