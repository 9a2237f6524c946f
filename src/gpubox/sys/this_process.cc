#include "gpubox/sys/this_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace gpubox {
namespace {

std::atomic<bool>* g_stop = nullptr;

void SetStop(int) {
  if (g_stop != nullptr) *g_stop = true;
}

}  // namespace

bool RunningAsRoot() { return ::geteuid() == 0; }

bool StdinIsTerminal() { return ::isatty(STDIN_FILENO) == 1; }

int ThisProcessId() { return static_cast<int>(::getpid()); }

bool ProcessExists(int pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

void StopOnSignals(std::atomic<bool>& stop) {
  g_stop = &stop;
  ::signal(SIGTERM, SetStop);
  ::signal(SIGINT, SetStop);
  ::signal(SIGPIPE, SIG_IGN);
}

Result<LockFile> LockFile::Acquire(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(ErrorCode::kEnvironment, "cannot open " + path + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Fail(ErrorCode::kEnvironment, path + " is locked by another process");
  }
  return LockFile(fd);
}

Result<std::optional<LockFile>> LockFile::TryAcquire(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(ErrorCode::kEnvironment, "cannot open " + path + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) return std::optional<LockFile>();
    return Fail(ErrorCode::kEnvironment, "cannot lock " + path + ": " + std::strerror(error));
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The pid is only for messages; the lock holds without it.
  }
  return std::optional<LockFile>(LockFile(fd));
}

LockFile::~LockFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<void> ReplaceProcess(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  return Fail(ErrorCode::kEnvironment, "cannot run " + argv[0] + ": " + std::strerror(errno),
              "gpubox-local is installed beside gpubox; reinstall both");
}

Result<void> RemoveTree(const std::string& path) {
  std::error_code error;
  std::filesystem::remove_all(path, error);
  if (error) return Fail(ErrorCode::kEnvironment, "cannot remove " + path + ": " + error.message());
  return {};
}

}  // namespace gpubox
