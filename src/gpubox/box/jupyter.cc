#include "gpubox/box/jupyter.h"

#include "gpubox/sys/file_system.h"
#include "gpubox/sys/process_runner.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

std::string Destination(const std::string& box) { return "gpubox-" + box; }

bool TunnelOpen(Env& env, const std::string& socket, const std::string& box) {
  if (!env.files->Exists(socket)) return false;
  auto check = env.processes->Run({"ssh", "-S", socket, "-O", "check", Destination(box)},
                                  {.timeout_ms = 5000});
  return check && check->exit_code == 0;
}

}  // namespace

std::string JupyterFunctions() {
  return R"sh(
# gpubox_jupyter wait|nowait: Jupyter on 127.0.0.1:8888 with this box's token (made once,
# 0600), started unless it answers or is already booting. "wait" waits until it answers and
# prints reused=0|1 and token=...; "nowait" (during setup) only starts it, printing nothing.
gpubox_jupyter() {
  local mode=$1 token_file=~/.gpubox/jupyter.token config=~/.gpubox/jupyter_config.py
  local pid_file=~/.gpubox/jupyter.pid token python pid
  mkdir -p ~/.gpubox ~/notebooks
  if [ ! -s "$token_file" ]; then
    (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$token_file")
  fi
  token=$(cat "$token_file")
  if [ ! -s "$config" ]; then
    (umask 077; printf "c.NotebookApp.token = '%s'\nc.NotebookApp.ip = '127.0.0.1'\nc.NotebookApp.port = 8888\nc.NotebookApp.port_retries = 0\nc.NotebookApp.open_browser = False\n" "$token" > "$config")
  fi
  answers() { curl -sf -o /dev/null -H "Authorization: token $token" http://127.0.0.1:8888/api/status; }
  if answers; then
    [ "$mode" = nowait ] || printf 'reused=1\ntoken=%s\n' "$token"
    return 0
  fi
  pid=$(cat "$pid_file" 2>/dev/null || true)
  if [ -z "$pid" ] || ! grep -q notebook "/proc/$pid/cmdline" 2>/dev/null; then
    if [ -x ~/d2l/bin/python ]; then python=~/d2l/bin/python
    elif [ -x ~/miniconda3/envs/d2l/bin/python ]; then python=~/miniconda3/envs/d2l/bin/python
    else python=python3; fi
    # A simple command in the background (no subshell): $! is the server itself, and
    # nothing but the server holds the session's output open.
    cd ~/notebooks
    nohup setsid "$python" -m notebook --config="$config" > ~/.gpubox/jupyter.log 2>&1 < /dev/null &
    echo $! > "$pid_file"
    cd - > /dev/null
  fi
  [ "$mode" = nowait ] && return 0
  for _ in $(seq 600); do answers && break; sleep 0.05; done
  answers || { tail -n 5 ~/.gpubox/jupyter.log >&2; return 1; }
  printf 'reused=0\ntoken=%s\n' "$token"
}
)sh";
}

std::string JupyterStartScript() {
  return "set -eu\n" + JupyterFunctions() + "gpubox_jupyter wait\n";
}

Result<JupyterSession> OpenJupyter(Env& env, const GpuboxPaths& paths, const std::string& box,
                                   const SshTarget& target, int local_port) {
  JupyterSession session;
  session.port = local_port;
  auto start =
      GPUBOX_TRY(env.processes->Run(SshCommand(target, {"bash", "-s"}),
                                    {.stdin_text = JupyterStartScript(), .timeout_ms = 60000}));
  if (start.exit_code != 0) {
    return Fail(ErrorCode::kCloud,
                "Jupyter did not start on " + box + ": " + std::string(Trim(start.err)),
                "the log is ~/.gpubox/jupyter.log on the box");
  }
  for (std::string_view line : Split(start.out, '\n')) {
    if (line.starts_with("token=")) session.token = line.substr(6);
    if (line == "reused=1") session.server_reused = true;
  }
  if (session.token.empty()) return Fail(ErrorCode::kCloud, "Jupyter gave no token on " + box);

  std::string socket = paths.tunnel_socket(box);
  if (TunnelOpen(env, socket, box)) {
    session.tunnel_reused = true;
  } else {
    GPUBOX_TRY_VOID(env.files->MakeDirs(paths.state_dir + "/tunnels", 0700));
    (void)env.files->Remove(socket);
    std::string log = paths.state_dir + "/tunnels/" + box + ".log";
    std::string forward = "127.0.0.1:" + std::to_string(local_port) +
                          ":127.0.0.1:" + std::to_string(kJupyterRemotePort);
    SshTarget own = target;  // the tunnel is a master of its own, alive until --stop or down
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
