/// `gpubox idle NAME [DURATION|off]`: when a running box stops itself unused, shown or
/// changed on the box (the agent's agent.conf, over SSH); the agent counts idleness anew.

#include <CLI/CLI.hpp>
#include <ostream>

#include "gpubox/box/agent_settings.h"
#include "gpubox/box/lifecycle.h"
#include "gpubox/cli/cloud_session.h"
#include "gpubox/cli/commands.h"
#include "gpubox/cli/requirement_flags.h"

namespace gpubox {
namespace {

class IdleCommand : public Command {
 public:
  const char* name() const override { return "idle"; }
  const char* summary() const override {
    return "show or change when a running box stops itself unused: DURATION (30m, 2h) or off";
  }
  void Configure(CLI::App& app) override {
    app.add_option("name", box_, "the box")->required();
    app.add_option("duration", duration_, "stop after this long unused (90s, 30m, 2h), or off");
    cloud_flags_.Add(app);
  }
  Result<int> Run(CommandContext& context) override {
    std::optional<int64_t> seconds;
    if (!duration_.empty()) {
      seconds = duration_ == "off" ? 0 : GPUBOX_TRY(ParseDurationSeconds("idle", duration_));
    }
    auto session = GPUBOX_TRY(CloudSession::Open(context.env, cloud_flags_, false, context.err));
    Lifecycle lifecycle(context.env, session->cloud(), session->store(), session->paths(),
                        context.err);
    BoxRecord box = GPUBOX_TRY(lifecycle.RunningBox(box_));
    IdleStatus status = GPUBOX_TRY(SetIdleStop(context.env, lifecycle.TargetOf(box), seconds));
    if (status.idle_stop_s <= 0) {
      context.out << box_ << " never stops itself unused; 'gpubox stop " << box_ << "' when done\n";
    } else {
      context.out << box_ << " stops itself after " << status.idle_stop_s << " s unused\n";
    }
    if (!status.agent_state.empty()) context.err << "gpubox: agent: " << status.agent_state << '\n';
    return 0;
  }

 private:
  std::string box_, duration_;
  CloudFlags cloud_flags_;
};

}  // namespace

std::unique_ptr<Command> MakeIdleCommand() { return std::make_unique<IdleCommand>(); }

}  // namespace gpubox
