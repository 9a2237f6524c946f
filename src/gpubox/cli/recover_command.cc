/// `gpubox recover NAME`: an interrupted (or unstartable) box brought back elsewhere from its
/// own disk (box/recovery.h).

#include <CLI/CLI.hpp>
#include <ostream>

#include "gpubox/box/box_lock.h"
#include "gpubox/box/provisioner.h"
#include "gpubox/box/recovery.h"
#include "gpubox/cli/cloud_session.h"
#include "gpubox/cli/commands.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

class RecoverCommand : public Command {
 public:
  const char* name() const override { return "recover"; }
  const char* summary() const override {
    return "bring an interrupted box back elsewhere from its own disk (image, relaunch, retire)";
  }
  void Configure(CLI::App& app) override {
    app.add_option("name", box_, "the box")->required();
    cloud_flags_.Add(app);
  }
  Result<int> Run(CommandContext& context) override {
    GPUBOX_TRY_VOID(ValidateBoxName(box_));
    auto session = GPUBOX_TRY(CloudSession::Open(context.env, cloud_flags_, false, context.err));
    LockFile lock = GPUBOX_TRY(
        LockBox(context.env, session->paths(), box_, session->deadline_us(), context.err));
    Recovery recovery(context.env, session->cloud(), session->store(), Catalog::Builtin(),
                      session->paths(), context.err);
    BoxRecord box = GPUBOX_TRY(recovery.Recover(box_, {}));
    context.out << box.name << " is running: " << box.instance_id << " " << box.instance_type
                << " (" << MarketName(box.market) << ") in " << box.zone << " at " << box.public_ip
                << ", $" << FormatDouble(box.price_usd_hr) << "/h\n";
    return 0;
  }

 private:
  std::string box_;
  CloudFlags cloud_flags_;
};

}  // namespace

std::unique_ptr<Command> MakeRecoverCommand() { return std::make_unique<RecoverCommand>(); }

}  // namespace gpubox
