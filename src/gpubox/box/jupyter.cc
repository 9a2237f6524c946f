#include "gpubox/box/jupyter.h"

#include <thread>

#include "gpubox/sys/file_system.h"
#include "gpubox/sys/process_runner.h"
#include "gpubox/util/strings.h"

namespace gpubox {

extern const char kJupyterScript[];

namespace {

std::string Destination(const std::string& box) { return "gpubox-" + box; }

bool TunnelOpen(Env& env, const std::string& socket, const std::string& box) {
  if (!env.files->Exists(socket)) return false;
  auto check = env.processes->Run({"ssh", "-S", socket, "-O", "check", Destination(box)},
                                  {.timeout_ms = 5000});
  return check && check->exit_code == 0;
}

}  // namespace

std::string JupyterFunctions() { return kJupyterScript; }

std::string JupyterStartScript() {
  return "set -eu\n" + JupyterFunctions() + "gpubox_jupyter wait\n";
}

namespace {

/// Opens the tunnel: a background ssh master of its own (alive until --stop or down) that
/// forwards 127.0.0.1:local_port to the box's Jupyter port.
Result<void> OpenTunnel(Env& env, const GpuboxPaths& paths, const std::string& box,
                        const SshTarget& target, int local_port) {
  std::string socket = paths.tunnel_socket(box);
  (void)env.files->Remove(socket);
  std::string log = paths.state_dir + "/tunnels/" + box + ".log";
  std::string forward = "127.0.0.1:" + std::to_string(local_port) +
                        ":127.0.0.1:" + std::to_string(kJupyterRemotePort);
  SshTarget own = target;
  own.control_path.clear();
  std::vector<std::string> ssh = SshCommand(
      own, {}, {"-M", "-S", socket, "-f", "-N", "-o", "ExitOnForwardFailure=yes", "-L", forward});
  // ssh -f keeps our pipes open in the background: detach its stdio, keep stderr in a log.
  std::vector<std::string> argv = {
      "sh", "-c", "log=$1; shift; exec \"$@\" </dev/null >/dev/null 2>\"$log\"", "sh", log};
  argv.insert(argv.end(), ssh.begin(), ssh.end());
  auto tunnel = GPUBOX_TRY(env.processes->Run(argv, {.timeout_ms = 30000}));
  if (tunnel.exit_code != 0) {
    auto why = env.files->ReadFile(log);
    return Fail(ErrorCode::kEnvironment,
                "could not open the tunnel on 127.0.0.1:" + std::to_string(local_port) + ": " +
                    std::string(Trim(why ? *why : "")),
                "is the port taken? try --port with another number");
  }
  return {};
}

}  // namespace

Result<JupyterSession> OpenJupyter(Env& env, const GpuboxPaths& paths, const std::string& box,
                                   const SshTarget& target, int local_port) {
  JupyterSession session;
  session.port = local_port;
  // The tunnel opens while the server starts (or is found): neither waits for the other.
  session.tunnel_reused = TunnelOpen(env, paths.tunnel_socket(box), box);
  Result<void> tunnel;
  std::thread opening;
  if (!session.tunnel_reused) {
    GPUBOX_TRY_VOID(env.files->MakeDirs(paths.state_dir + "/tunnels", 0700));
    opening = std::thread([&] { tunnel = OpenTunnel(env, paths, box, target, local_port); });
  }
  auto start = env.processes->Run(SshCommand(target, {"bash", "-s"}),
                                  {.stdin_text = JupyterStartScript(), .timeout_ms = 60000});
  if (opening.joinable()) opening.join();
  auto fail = [&](Error error) -> Result<JupyterSession> {
    if (!session.tunnel_reused && tunnel) (void)CloseTunnel(env, paths, box);
    return std::unexpected(std::move(error));
  };
  if (!start) return fail(start.error());
  if (start->exit_code != 0) {
    return fail(Error{ErrorCode::kCloud,
                      "Jupyter did not start on " + box + ": " + std::string(Trim(start->err)),
                      "the log is ~/.gpubox/jupyter.log on the box"});
  }
  if (!tunnel) return fail(tunnel.error());
  for (std::string_view line : Split(start->out, '\n')) {
    if (line.starts_with("token=")) session.token = line.substr(6);
    if (line == "reused=1") session.server_reused = true;
  }
  if (session.token.empty()) {
    return fail(Error{ErrorCode::kCloud, "Jupyter gave no token on " + box, ""});
  }
  session.url = "http://127.0.0.1:" + std::to_string(local_port) + "/?token=" + session.token;
  return session;
}

Result<bool> CloseTunnel(Env& env, const GpuboxPaths& paths, const std::string& box) {
  std::string socket = paths.tunnel_socket(box);
  if (!TunnelOpen(env, socket, box)) {
    (void)env.files->Remove(socket);
    return false;
  }
  auto exit = GPUBOX_TRY(env.processes->Run({"ssh", "-S", socket, "-O", "exit", Destination(box)},
                                            {.timeout_ms = 5000}));
  (void)env.files->Remove(socket);
  return exit.exit_code == 0;
}

}  // namespace gpubox
