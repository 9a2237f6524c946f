#pragma once
/// The local cloud's lifecycle: the daemon in the foreground (`local serve`),
/// started in the background (`local up`), asked for status and stopped
/// (`local down`). Files in the state directory:
///   account.json  the local account: id and access keys (0600), made at first start
///   access.json   the users granted access and their keys (0600; access_registry.h)
///   local.db      SQLite (WAL): key pairs, groups, images, instances, quotas
///   config.json   faults and limits (fault_config.h)
///   daemon.json   endpoint and pid while the daemon runs
///   daemon.log    the daemon's output
///   runtime/, images/  instance disks and image snapshots
/// The daemon itself is local_serve.h's, in its own binary (DaemonExecutable).
/// Users granted access find it at PublicDir (access_admin.h).

#include <optional>
#include <ostream>
#include <string>

#include "gpubox/local/api_server.h"
#include "gpubox/sys/env.h"

namespace gpubox::local {

/// Default port of the local cloud's endpoint.
inline constexpr int kDefaultPort = 4580;

struct DaemonOptions {
  std::string state_dir;
  int port = kDefaultPort;
  /// API only: instances get no namespace, sshd or disk (no root needed).
  bool no_runtime = false;
};

/// $GPUBOX_LOCAL_STATE_DIR, else /var/lib/gpubox-local for root, else
/// $XDG_STATE_HOME/gpubox/local (~/.local/state/gpubox/local).
std::string DefaultStateDir(const Env& env);

/// Reads account.json, creating it with fresh keys (Env's secret random bytes) when missing.
Result<LocalAccount> LoadOrCreateAccount(Env& env, const std::string& state_dir);

/// The host's address on the instances' bridge ("10.213.0.1/32"), where SSH into local boxes
/// comes from: from GPUBOX_LOCAL_SUBNET, else the runtime's default subnet.
Result<std::string> HostBridgeCidr(const Env& env);

/// kEnvironment with the one-line explanation unless running as root.
Result<void> RequireRoot();

struct DaemonInfo {
  std::string endpoint;  ///< "http://127.0.0.1:4580"
  int port = 0;
  int pid = 0;
};

/// The running daemon of a state directory; nullopt when none answers.
std::optional<DaemonInfo> FindRunningDaemon(Env& env, const std::string& state_dir);

/// Where users granted access find the running cloud and their key: $GPUBOX_LOCAL_PUBLIC_DIR,
/// else /run/gpubox.
std::string PublicDir(const Env& env);

/// The cloud root runs, as a granted user sees it: its endpoint and the user's own key.
struct SharedCloud {
  DaemonInfo daemon;
  LocalAccount account;
  std::string user;
  std::string caller_cidr;  ///< the host's bridge address, as the daemon has it
};

/// For a user other than root: the local cloud that root runs for the users it granted
/// (PublicDir), with this user's key. nullopt when no such cloud runs; kCredentials (one
/// line that says how to be granted) when it runs but this user has no key.
Result<std::optional<SharedCloud>> FindSharedCloud(Env& env);

/// The daemon's binary: gpubox-local beside the running gpubox. The daemon (cpp-httplib,
/// TLS) lives apart so that no other command loads what only serving needs.
std::string DaemonExecutable(const Env& env);

/// Starts the daemon in the background (`gpubox-local serve ...`) unless one runs
/// already; returns once it answers.
Result<DaemonInfo> StartDaemon(Env& env, const DaemonOptions& options);

/// POSTs to the daemon's admin endpoint; returns the JSON answer.
Result<std::string> AdminCall(Env& env, const DaemonInfo& daemon, const LocalAccount& account,
                              const std::string& op, const std::string& body);

/// Asks the daemon to stop (every instance stopped, disks kept; purge: all
/// removed) and waits until its process is gone.
Result<void> StopDaemon(Env& env, const std::string& state_dir, bool purge);

}  // namespace gpubox::local
