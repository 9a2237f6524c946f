#pragma once
/// The local cloud's daemon: the EC2 endpoint (api_server), the instance host, the spot and
/// fault ticker, until a signal or an admin shutdown. It runs in its own binary,
/// gpubox-local (src/local_main.cpp), so that the gpubox command never loads cpp-httplib
/// and the TLS libraries behind it; `gpubox local serve` and `local up` start that binary.

#include <ostream>

#include "gpubox/local/local_daemon.h"
#include "gpubox/sys/env.h"

namespace gpubox::local {

/// Runs the daemon in this process until a signal or an admin shutdown.
Result<int> RunDaemon(Env& env, const DaemonOptions& options, std::ostream& err);

/// gpubox-local's main: `serve [--port N] [--state-dir DIR] [--no-runtime]`; prints errors
/// as gpubox does and returns the exit status.
int DaemonMain(int argc, const char* const* argv, Env& env, std::ostream& err);

}  // namespace gpubox::local
