/// Reaching a box: ssh, exec (exit status passed through) and jupyter (the
/// server on the box's loopback with a token, tunnelled to a local port).

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <ostream>

#include "gpubox/box/jupyter.h"
#include "gpubox/box/lifecycle.h"
#include "gpubox/box/setup_script.h"
#include "gpubox/cli/cloud_session.h"
#include "gpubox/cli/commands.h"
#include "gpubox/cli/requirement_flags.h"
#include "gpubox/sys/process_runner.h"

namespace gpubox {
namespace {

/// `ssh NAME [-- ARGS...]` hands ARGS to ssh, which joins them with spaces for the remote
/// shell (as `ssh host ARGS...` does). `exec NAME -- CMD ARGS...` runs exactly that argv:
/// each argument is quoted for the remote shell, as `docker exec` and `kubectl exec` do.
class SshCommandLine : public Command {
 public:
  SshCommandLine(const char* name, const char* summary, bool exact_argv)
      : name_(name), summary_(summary), exact_argv_(exact_argv) {}
  const char* name() const override { return name_; }
  const char* summary() const override { return summary_; }
  void Configure(CLI::App& app) override {
    app.add_option("name", box_, "the box")->required();
    app.add_option("command", command_, "the command to run on the box (after --)");
    cloud_flags_.Add(app);
  }
  bool TakesTrailingArgs() const override { return true; }
  Result<int> Run(CommandContext& context) override {
    if (!context.trailing_args.empty()) command_ = context.trailing_args;
    if (exact_argv_ && command_.empty()) {
      return Fail(ErrorCode::kUsage, "exec needs a command", "gpubox exec NAME -- CMD ARGS...");
    }
    auto session = GPUBOX_TRY(CloudSession::Open(context.env, cloud_flags_, false, context.err));
    Lifecycle lifecycle(context.env, session->cloud(), session->store(), session->paths(),
                        context.err);
    BoxRecord box = GPUBOX_TRY(lifecycle.RunningBox(box_));
    // A shell gets a terminal; a command's exit status is ssh's, and so gpubox's.
    std::vector<std::string> terminal;
    if (command_.empty()) terminal = {"-t"};
    std::vector<std::string> remote = command_;
    if (exact_argv_) remote = {RemoteCommandLine(command_)};
    return context.env.processes->RunAttached(
        SshCommand(lifecycle.TargetOf(box), remote, terminal));
  }

 private:
  const char* name_;
  const char* summary_;
  bool exact_argv_;
  std::string box_;
  std::vector<std::string> command_;
  CloudFlags cloud_flags_;
};

class JupyterCommand : public Command {
 public:
  const char* name() const override { return "jupyter"; }
  const char* summary() const override {
    return "start Jupyter on a box and tunnel it here; prints the URL with its token";
  }
  void Configure(CLI::App& app) override {
    app.add_option("name", box_, "the box")->required();
    app.add_option("--port", port_, "local port (default 8889, as the book uses)");
    app.add_flag("--json", json_, "print url, port and token as JSON");
    app.add_flag("--stop", stop_, "close the tunnel");
    cloud_flags_.Add(app);
  }
  Result<int> Run(CommandContext& context) override {
    auto port = GPUBOX_TRY(ParseCountFlag("--port", port_));
    if (port < 1 || port > 65535) return Fail(ErrorCode::kUsage, "--port must be 1-65535");
    auto session = GPUBOX_TRY(CloudSession::Open(context.env, cloud_flags_, false, context.err));
    if (stop_) {
      bool closed = GPUBOX_TRY(CloseTunnel(context.env, session->paths(), box_));
      context.out << (closed ? "tunnel to " + box_ + " closed\n"
                             : "no tunnel to " + box_ + " was open\n");
      return 0;
    }
    Lifecycle lifecycle(context.env, session->cloud(), session->store(), session->paths(),
                        context.err);
    BoxRecord box = GPUBOX_TRY(lifecycle.RunningBox(box_));
    JupyterSession jupyter = GPUBOX_TRY(OpenJupyter(
        context.env, session->paths(), box_, lifecycle.TargetOf(box), static_cast<int>(port)));
    if (json_) {
      context.out << nlohmann::json{{"url", jupyter.url},
                                    {"port", jupyter.port},
                                    {"token", jupyter.token},
                                    {"server_reused", jupyter.server_reused},
                                    {"tunnel_reused", jupyter.tunnel_reused}}
                         .dump(2)
                  << '\n';
      return 0;
    }
    context.err << "gpubox: Jupyter " << (jupyter.server_reused ? "already running" : "started")
                << " on " << box_ << "; tunnel " << (jupyter.tunnel_reused ? "reused" : "opened")
                << " (127.0.0.1:" << jupyter.port << " -> " << box_ << ":127.0.0.1:8888)\n";
    context.out << jupyter.url << '\n';
    return 0;
  }

 private:
  std::string box_;
  std::string port_ = "8889";
  bool json_ = false, stop_ = false;
  CloudFlags cloud_flags_;
};

}  // namespace

std::vector<std::unique_ptr<Command>> MakeAccessCommands() {
  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(
      std::make_unique<SshCommandLine>("ssh", "open a shell on a box (or run -- CMD)", false));
  commands.push_back(std::make_unique<SshCommandLine>(
      "exec", "run a command on a box; its exit status is gpubox's", true));
  commands.push_back(std::make_unique<JupyterCommand>());
  return commands;
}

}  // namespace gpubox
