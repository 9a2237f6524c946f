#pragma once
/// What a long-running gpubox process (the local cloud's daemon) needs from the OS beyond
/// Env: who it runs as, other processes' liveness, an exclusive lock file, stopping on
/// signals, and removing a directory tree. Real calls; sys/ is where they live.

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "gpubox/util/result.h"

namespace gpubox {

/// True when the process runs as root (effective uid 0).
bool RunningAsRoot();

/// True when standard input is a terminal (someone can answer a question).
bool StdinIsTerminal();

/// This process's id.
int ThisProcessId();

/// True when a process of that id exists (it may belong to another user).
bool ProcessExists(int pid);

/// From now on SIGTERM and SIGINT set `stop` (nothing else: the caller polls it) and
/// SIGPIPE is ignored. `stop` must live as long as the process.
void StopOnSignals(std::atomic<bool>& stop);

/// An exclusive lock on a file (flock), held until destroyed.
class LockFile {
 public:
  /// Creates `path` (0600) if needed and locks it; kEnvironment when another process holds
  /// the lock.
  static Result<LockFile> Acquire(const std::string& path);
  /// Like Acquire, but nullopt (not an error) when another process holds the lock. On
  /// success the file holds this process's id (for whoever waits to say whom it waits for).
  static Result<std::optional<LockFile>> TryAcquire(const std::string& path);
  LockFile(LockFile&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  LockFile& operator=(LockFile&&) = delete;
  ~LockFile();

 private:
  explicit LockFile(int fd) : fd_(fd) {}
  int fd_ = -1;
};

/// Replaces this process with argv[0] (an absolute path), keeping its descriptors and
/// environment. Returns only on failure (kEnvironment).
Result<void> ReplaceProcess(const std::vector<std::string>& argv);

/// Removes `path` and everything under it; succeeds when it is already gone.
Result<void> RemoveTree(const std::string& path);

}  // namespace gpubox
