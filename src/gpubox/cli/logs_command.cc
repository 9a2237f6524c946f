/// `gpubox logs NAME --setup`: the box's setup log, or the copy taken when its setup failed.

#include <CLI/CLI.hpp>
#include <ostream>

#include "gpubox/box/setup_log.h"
#include "gpubox/cli/commands.h"

namespace gpubox {
namespace {

class LogsCommand : public Command {
 public:
  const char* name() const override { return "logs"; }
  const char* summary() const override {
    return "a box's logs: --setup shows its setup log (or the copy kept after a failure)";
  }
  void Configure(CLI::App& app) override {
    app.add_option("name", name_, "the box")->required();
    app.add_flag("--setup", setup_, "the setup log (~/.gpubox/setup.log on the box)");
  }

  Result<int> Run(CommandContext& context) override {
    if (!setup_) {
      return Fail(ErrorCode::kUsage, "say which log to show",
                  "'gpubox logs " + name_ + " --setup' shows the setup log");
    }
    // The store and the box alone: no cloud call, so a deleted box's copy still shows.
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

 private:
  std::string name_;
  bool setup_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeLogsCommand() { return std::make_unique<LogsCommand>(); }

}  // namespace gpubox
