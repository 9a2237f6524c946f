#pragma once
/// SSH to a box with the OpenSSH client: the command lines, the wait for a
/// login, the key pair made for a box, and the ssh config include that makes
/// `ssh NAME` (and editors' remote-SSH) work.

#include <string>
#include <vector>

#include "gpubox/box/paths.h"
#include "gpubox/state/box_store.h"
#include "gpubox/sys/env.h"
#include "gpubox/util/result.h"

namespace gpubox {

struct SshTarget {
  std::string host;
  std::string user = "ubuntu";
  std::string key_path;          ///< private key, 0600
  std::string known_hosts_path;  ///< a file for this box alone
  /// When set, connections share one master (ControlMaster=auto) that stays
  /// 60 s after the last use, so a command's later ssh calls (and the next
  /// gpubox command's) skip the handshake. Empty: every ssh connects anew.
  std::string control_path;
};

/// How gpubox reaches a box: its address, the key made for it, a known_hosts file of its
/// own and the shared master connection's socket. The one place a box becomes a target.
SshTarget BoxSshTarget(const BoxRecord& box, const GpuboxPaths& paths);

/// `ssh [options] user@host [--] remote_command...`; `extra_options` go before
/// the destination (e.g. {"-L", "8889:127.0.0.1:8888", "-N"}).
std::vector<std::string> SshCommand(const SshTarget& target,
                                    const std::vector<std::string>& remote_command,
                                    const std::vector<std::string>& extra_options = {});

/// Ends the shared master connection of `target` if one runs (before a stop or
/// a delete, so no ssh process outlives the box's connection).
void CloseSshMaster(Env& env, const SshTarget& target);

/// How long to wait before trying SSH again, `waited_us` into the wait: 25 ms for the first
/// 3 s (a local instance's sshd answers within one), then 500 ms.
int64_t PollMicros(int64_t waited_us);

/// Runs `true` over SSH until it succeeds or `timeout_ms` passes (kNetwork).
Result<void> WaitForSsh(Env& env, const SshTarget& target, int timeout_ms);

/// Makes an ed25519 key pair at `private_key_path` (0600) and `.pub` beside it
/// with ssh-keygen, unless it already exists. Returns the public key line.
Result<std::string> EnsureKeyPair(Env& env, const std::string& private_key_path,
                                  const std::string& comment);

/// A `Host NAME` block for the ssh config include.
struct SshHostEntry {
  std::string name;
  SshTarget target;
};

/// Rewrites the include file with these hosts and makes sure the user's
/// ~/.ssh/config includes it (added at the top once; the file kept 0600).
Result<void> WriteSshConfig(Env& env, const GpuboxPaths& paths,
                            const std::vector<SshHostEntry>& hosts);

}  // namespace gpubox
