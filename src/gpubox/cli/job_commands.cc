/// Jobs on a box: run (detached, output logged on the box), jobs, cancel. `logs NAME [JOB]`
/// is in logs_command.cc.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <ostream>

#include "gpubox/box/jobs.h"
#include "gpubox/box/lifecycle.h"
#include "gpubox/cli/cloud_session.h"
#include "gpubox/cli/commands.h"
#include "gpubox/cli/table.h"
#include "gpubox/sys/file_system.h"

namespace gpubox {
namespace {

/// A command about the jobs of one running box.
class JobCommand : public Command {
 public:
  JobCommand(const char* name, const char* summary) : name_(name), summary_(summary) {}
  const char* name() const override { return name_; }
  const char* summary() const override { return summary_; }
  void Configure(CLI::App& app) override {
    app.add_option("name", box_, "the box")->required();
    cloud_flags_.Add(app);
    AddFlags(app);
  }
  Result<int> Run(CommandContext& context) override {
    auto session = GPUBOX_TRY(CloudSession::Open(context.env, cloud_flags_, false, context.err));
    Lifecycle lifecycle(context.env, session->cloud(), session->store(), session->paths(),
                        context.err);
    BoxRecord box = GPUBOX_TRY(lifecycle.RunningBox(box_));
    return Act(context, lifecycle.TargetOf(box));
  }

 protected:
  virtual void AddFlags(CLI::App& app) {}
  virtual Result<int> Act(CommandContext& context, const SshTarget& target) = 0;
  std::string box_;

 private:
  const char* name_;
  const char* summary_;
  CloudFlags cloud_flags_;
};

class RunCommand : public JobCommand {
 public:
  RunCommand()
      : JobCommand("run", "start a job on a box, detached, its output logged there (-- CMD ...)") {}
  bool TakesTrailingArgs() const override { return true; }
  void AddFlags(CLI::App& app) override {
    app.add_option("--workdir", workdir_,
                   "a local directory copied to the box; the job runs in it");
    app.add_option("--name", job_, "the job's name (default job-YYYYMMDD-HHMMSS)");
    app.add_option("--restart", restart_,
                   "when the box's agent starts it again: on-interruption (default: after a spot "
                   "interruption, once the box is back), never, on-failure (also after a "
                   "non-zero exit)");
    app.add_option("--max-restarts", max_restarts_,
                   "on-failure: restarts after non-zero exits, at most (default 3)");
  }
  Result<int> Act(CommandContext& context, const SshTarget& target) override {
    if (context.trailing_args.empty()) {
      return Fail(ErrorCode::kUsage, "run needs a command", "gpubox run NAME -- CMD ARGS...");
    }
    JobSpec job{job_, "", context.trailing_args};
    job.restart = GPUBOX_TRY(ParseRestartPolicy(restart_));
    if (max_restarts_ < 0 || max_restarts_ > 1000) {
      return Fail(ErrorCode::kUsage, "--max-restarts must be between 0 and 1000");
    }
    job.max_restarts = max_restarts_;
    if (job.id.empty()) job.id = NewJobId(context.env.clock->NowMicros() / 1'000'000);
    GPUBOX_TRY_VOID(ValidateJobName(job.id));
    if (!workdir_.empty()) {
      if (!context.env.files->Exists(workdir_)) {
        return Fail(ErrorCode::kUsage, "no directory " + workdir_,
                    "--workdir takes a local directory");
      }
      std::string base = workdir_;
      while (base.size() > 1 && base.ends_with('/')) base.pop_back();
      base = base.substr(base.rfind('/') + 1);
      if (base.empty() || base == "." || base == "..") base = "workdir";
      context.err << "gpubox: copying " << workdir_ << " to ~/work/" << base << '\n';
      job.workdir = GPUBOX_TRY(SyncWorkdir(context.env, target, workdir_, "work/" + base));
    }
    GPUBOX_TRY_VOID(StartJob(context.env, target, job));
    context.err << "gpubox: started; 'gpubox logs " << box_ << " " << job.id
                << " -f' follows it, 'gpubox cancel " << box_ << " " << job.id << "' stops it\n";
    context.out << job.id << '\n';
    return 0;
  }

 private:
  std::string workdir_, job_, restart_ = "on-interruption";
  int max_restarts_ = 3;
};

class JobsCommand : public JobCommand {
 public:
  JobsCommand()
      : JobCommand("jobs", "list a box's jobs: state, started, exit status, restarts, interruptions") {}
  void AddFlags(CLI::App& app) override { app.add_flag("--json", json_, "print JSON"); }
  Result<int> Act(CommandContext& context, const SshTarget& target) override {
    std::vector<JobInfo> jobs = GPUBOX_TRY(ListJobs(context.env, target));
    if (json_) {
      nlohmann::json out = nlohmann::json::array();
      for (const JobInfo& job : jobs) {
        out.push_back({{"id", job.id},
                       {"command", job.command},
                       {"state", job.state},
                       {"started", job.started},
                       {"exit_status", job.exit_status ? nlohmann::json(*job.exit_status)
                                                       : nlohmann::json(nullptr)},
                       {"restarts", job.restarts},
                       {"last_interruption", job.last_interruption.empty()
                                                 ? nlohmann::json(nullptr)
                                                 : nlohmann::json(job.last_interruption)}});
      }
      context.out << out.dump(2) << '\n';
      return 0;
    }
    if (jobs.empty()) {
      context.err << "gpubox: no jobs on " << box_ << "; 'gpubox run " << box_
                  << " -- CMD' starts one\n";
      return 0;
    }
    Table table({"JOB", "STATE", "EXIT", "STARTED", "RESTARTS", "INTERRUPTED", "COMMAND"});
    for (const JobInfo& job : jobs) {
      table.AddRow({job.id, job.state, job.exit_status ? std::to_string(*job.exit_status) : "-",
                    job.started, std::to_string(job.restarts),
                    job.last_interruption.empty() ? "-" : job.last_interruption, job.command});
    }
    table.Print(context.out);
    return 0;
  }

 private:
  bool json_ = false;
};

class CancelCommand : public JobCommand {
 public:
  CancelCommand()
      : JobCommand("cancel", "stop a job: SIGTERM (its cue to checkpoint), SIGKILL after --grace") {
  }
  void AddFlags(CLI::App& app) override {
    app.add_option("job", job_, "the job")->required();
    app.add_option("--grace", grace_s_, "seconds between SIGTERM and SIGKILL (default 10)");
  }
  Result<int> Act(CommandContext& context, const SshTarget& target) override {
    if (grace_s_ < 0 || grace_s_ > 3600) {
      return Fail(ErrorCode::kUsage, "--grace must be between 0 and 3600 seconds");
    }
    JobInfo job = GPUBOX_TRY(CancelJob(context.env, target, job_, grace_s_));
    context.out << job.id << " is " << job.state
                << (job.exit_status ? " (exit " + std::to_string(*job.exit_status) + ")" : "")
                << '\n';
    return 0;
  }

 private:
  std::string job_;
  int grace_s_ = 10;
};

}  // namespace

std::vector<std::unique_ptr<Command>> MakeJobCommands() {
  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(std::make_unique<RunCommand>());
  commands.push_back(std::make_unique<JobsCommand>());
  commands.push_back(std::make_unique<CancelCommand>());
  return commands;
}

}  // namespace gpubox
