#include "gpubox/box/jobs.h"

#include <algorithm>
#include <ctime>

#include "gpubox/box/setup_script.h"
#include "gpubox/sys/process_runner.h"
#include "gpubox/util/strings.h"

namespace gpubox {

extern const char kJobsScript[];

namespace {

/// The remote command: jobs.sh after its inputs, as one `bash -c` argument.
std::vector<std::string> JobsCommand(const SshTarget& target,
                                     const std::vector<std::pair<std::string, std::string>>& inputs,
                                     const std::vector<std::string>& ssh_options = {}) {
  std::string script;
  for (const auto& [name, value] : inputs) script += name + "=" + ShellQuote(value) + "\n";
  script += kJobsScript;
  return SshCommand(target, {RemoteCommandLine({"bash", "-c", script})}, ssh_options);
}

Error BoxSaid(ErrorCode code, const std::string& what, const ProcessResult& run) {
  std::string said(Trim(run.err));
  return Error(run.exit_code == 255 ? ErrorCode::kNetwork : code,
               what + (said.empty() ? "" : ": " + said));
}

}  // namespace

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
  auto run = GPUBOX_TRY(
      env.processes->Run(JobsCommand(target, {{"GPUBOX_JOB_ACTION", "start"},
                                              {"GPUBOX_JOB_ID", job.id},
                                              {"GPUBOX_JOB_WORKDIR", job.workdir},
                                              {"GPUBOX_JOB_COMMAND", RemoteCommandLine(job.argv)}}),
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
    if (fields.size() < 5) continue;
    JobInfo job{std::string(fields[0]), std::string(fields[1]), std::nullopt,
                std::string(fields[3]), std::string(fields[4]), 0};
    if (fields[2] != "-") {
      int status = 0;
      for (char c : fields[2]) status = status * 10 + (c - '0');
      job.exit_status = status;
    }
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
  std::vector<JobInfo> after = ParseJobList(id + "\t" + std::string(Trim(run.out)) + "\t-\t-");
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
