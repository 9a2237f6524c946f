/// `gpubox logs NAME [JOB] [-f]`: a job's output (the newest job's without JOB);
/// `gpubox logs NAME --setup`: the box's setup log, or the copy taken when its setup failed.

#include <CLI/CLI.hpp>
#include <ostream>

#include "gpubox/box/jobs.h"
#include "gpubox/box/lifecycle.h"
#include "gpubox/box/setup_log.h"
#include "gpubox/cli/cloud_session.h"
#include "gpubox/cli/commands.h"
#include "gpubox/sys/process_runner.h"

namespace gpubox {
namespace {

class LogsCommand : public Command {
 public:
  const char* name() const override { return "logs"; }
  const char* summary() const override {
    return "a job's output (-f: until it ends), or --setup: the box's setup log";
  }
  void Configure(CLI::App& app) override {
    app.add_option("name", name_, "the box")->required();
    app.add_option("job", job_, "the job (default: the newest)");
    app.add_flag("-f,--follow", follow_, "keep printing until the job ends");
    app.add_flag("--setup", setup_, "the setup log (~/.gpubox/setup.log on the box)");
    cloud_flags_.Add(app);
  }

  Result<int> Run(CommandContext& context) override {
    if (setup_ && (!job_.empty() || follow_)) {
      return Fail(ErrorCode::kUsage, "--setup shows the setup log, not a job's",
                  "'gpubox logs " + name_ + " --setup' alone");
    }
    return setup_ ? SetupLog(context) : JobLog(context);
  }

 private:
  Result<int> SetupLog(CommandContext& context) {
    // The store and the files alone: no cloud call, so a deleted box's copy still shows.
    GpuboxPaths paths = ResolvePaths(context.env);
    auto store = GPUBOX_TRY(BoxStore::Open(paths.database()));
    std::optional<BoxRecord> box;
    if (auto known = store->Load(name_)) box = *known;
    ShownSetupLog log = GPUBOX_TRY(FindSetupLog(context.env, paths, name_, box));
    if (log.source != "the box") {
      context.err << "gpubox: the copy of " << name_ << "'s setup log at " << log.source << '\n';
    }
    context.out << log.text;
    if (!log.text.empty() && log.text.back() != '\n') context.out << '\n';
    return 0;
  }

  Result<int> JobLog(CommandContext& context) {
    if (!job_.empty()) GPUBOX_TRY_VOID(ValidateJobName(job_));
    auto session = GPUBOX_TRY(CloudSession::Open(context.env, cloud_flags_, false, context.err));
    Lifecycle lifecycle(context.env, session->cloud(), session->store(), session->paths(),
                        context.err);
    BoxRecord box = GPUBOX_TRY(lifecycle.RunningBox(name_));
    int status = GPUBOX_TRY(
        context.env.processes->RunAttached(JobLogCommand(lifecycle.TargetOf(box), job_, follow_)));
    if (status == 3) {
      return Fail(ErrorCode::kNotFound,
                  job_.empty() ? "no jobs on " + name_ : "no job " + job_ + " on " + name_,
                  "'gpubox jobs " + name_ + "' lists them");
    }
    if (status == 255) return Fail(ErrorCode::kNetwork, "cannot reach " + name_ + " over SSH");
    return status;
  }

  std::string name_, job_;
  bool setup_ = false, follow_ = false;
  CloudFlags cloud_flags_;
};

}  // namespace

std::unique_ptr<Command> MakeLogsCommand() { return std::make_unique<LogsCommand>(); }

}  // namespace gpubox
