#pragma once
/// Jupyter on a box, reached only through an SSH tunnel: the server bound to
/// the box's 127.0.0.1:8888 with a token, and a local port forwarded to it by
/// a background ssh whose control socket is the tunnel's handle.

#include <string>

#include "gpubox/box/paths.h"
#include "gpubox/box/ssh.h"
#include "gpubox/sys/env.h"
#include "gpubox/util/result.h"

namespace gpubox {

inline constexpr int kJupyterRemotePort = 8888;

struct JupyterSession {
  std::string url;  ///< http://127.0.0.1:PORT/?token=TOKEN
  int port = 0;
  std::string token;
  bool server_reused = false;
  bool tunnel_reused = false;
};

/// Starts Jupyter on the box unless it already answers, opens the tunnel unless
/// it is already open, and returns the URL. kEnvironment when the local port is
/// taken by something else.
Result<JupyterSession> OpenJupyter(Env& env, const GpuboxPaths& paths, const std::string& box,
                                   const SshTarget& target, int local_port);

/// Closes the box's tunnel; false when none was open.
Result<bool> CloseTunnel(Env& env, const GpuboxPaths& paths, const std::string& box);

/// The shell function `gpubox_jupyter wait|nowait` that starts Jupyter on a
/// box (idempotent); setup scripts call it with "nowait" to boot it early.
std::string JupyterFunctions();

/// The script that starts Jupyter (or finds it running), waits until it
/// answers and prints "reused=0|1" and "token=..." (exposed for tests).
std::string JupyterStartScript();

}  // namespace gpubox
