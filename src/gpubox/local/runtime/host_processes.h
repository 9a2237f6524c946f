#pragma once
/// The few process and namespace primitives the runtime needs beyond
/// ProcessRunner: a detached start, namespace identities from /proc, and
/// finding and killing exactly the processes of one namespace.

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gpubox/util/result.h"

namespace gpubox::local {

/// Starts argv (an absolute path) in a session of its own, stdin from
/// /dev/null, stdout and stderr appended to log_path. Returns at once with
/// its pid; the caller reaps it with ReapIfExited.
Result<pid_t> SpawnDetached(const std::vector<std::string>& argv, const std::string& log_path);

/// Collects the exit status of `pid` if it is an exited child of this
/// process; harmless otherwise.
void ReapIfExited(pid_t pid);

/// The inode that names the namespace `kind` ("net", "pid",
/// "pid_for_children") of process `pid`; 0 when it is gone.
uint64_t NamespaceInode(pid_t pid, const std::string& kind);

/// The namespace inode behind a bind-mounted namespace file such as
/// /run/netns/NAME; 0 when there is none.
uint64_t NamespaceFileInode(const std::string& path);

/// Every live (not zombie) process whose namespace `kind` is `inode`.
std::vector<pid_t> ProcessesInNamespace(const std::string& kind, uint64_t inode);

/// The parent of `pid` (as this namespace numbers it); 0 when it is gone.
pid_t ParentOf(pid_t pid);

bool IsAlive(pid_t pid);
void KillProcess(pid_t pid, int signal);

/// Moves the calling thread into the network namespace at netns_path (a file such as
/// /run/netns/NAME) for the rest of its life; kEnvironment when it cannot. Only a thread
/// started for the purpose should call it. The one way gpubox enters a namespace.
Result<void> EnterNetns(const std::string& netns_path);

/// Runs `work` on a thread that has joined the network namespace at
/// netns_path, and waits for it. kEnvironment if the namespace cannot be joined.
Result<void> RunInNetns(const std::string& netns_path, const std::function<void()>& work);

/// True when a socket listens on port 22 (at `ip` or any address) in the namespace: read
/// from the namespace's own TCP table (/proc/thread-self/net/tcp on a thread that joined
/// it), so no connection is made and sshd starts no process for it (a connection costs a
/// fork and an exec of sshd, tens of milliseconds of CPU, twenty instances booting at once).
/// Independent of the instance's firewall.
bool SshListens(const std::string& netns_path, const std::string& ip);

}  // namespace gpubox::local
