#include "gpubox/local/runtime/host_processes.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "gpubox/util/strings.h"

extern char** environ;

namespace gpubox::local {

Result<pid_t> SpawnDetached(const std::vector<std::string>& argv, const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0640);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // The instance must not inherit the daemon's descriptors (its API socket,
  // other instances' IMDS sockets, the database): it outlives the daemon.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t no_signals, default_signals;
  sigemptyset(&no_signals);
  sigfillset(&default_signals);
  posix_spawnattr_setsigmask(&attr, &no_signals);
  posix_spawnattr_setsigdefault(&attr, &default_signals);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int error = posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (error != 0) {
    return Fail(ErrorCode::kEnvironment, "cannot start " + argv[0] + ": " + std::strerror(error));
  }
  return pid;
}

void ReapIfExited(pid_t pid) {
  if (pid > 0) waitpid(pid, nullptr, WNOHANG);
}

uint64_t NamespaceInode(pid_t pid, const std::string& kind) {
  struct stat info;
  std::string path = "/proc/" + std::to_string(pid) + "/ns/" + kind;
  if (stat(path.c_str(), &info) != 0) return 0;
  return info.st_ino;
}

uint64_t NamespaceFileInode(const std::string& path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) return 0;
  // An unmounted placeholder file lives on the host's file system, not nsfs.
  struct stat parent;
  if (stat("/proc/self/ns/net", &parent) != 0 || info.st_dev != parent.st_dev) return 0;
  return info.st_ino;
}

namespace {

/// True for a process that has exited and waits for its parent (or is gone).
/// The fields of /proc/PID/stat after the command's closing parenthesis ("S 1 ..." : state,
/// parent pid, ...); "" when the process is gone.
std::string StatAfterCommand(pid_t pid) {
  int fd = open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char buffer[512];
  ssize_t got = read(fd, buffer, sizeof buffer - 1);
  close(fd);
  if (got <= 0) return "";
  std::string_view stat(buffer, static_cast<size_t>(got));
  size_t paren = stat.rfind(')');
  if (paren == std::string_view::npos || paren + 2 >= stat.size()) return "";
  return std::string(stat.substr(paren + 2));
}

bool HasExited(pid_t pid) {
  std::string stat = StatAfterCommand(pid);
  return stat.empty() || stat[0] == 'Z' || stat[0] == 'X';
}

}  // namespace

std::vector<pid_t> ProcessesInNamespace(const std::string& kind, uint64_t inode) {
  std::vector<pid_t> pids;
  if (inode == 0) return pids;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return pids;
  while (dirent* entry = readdir(proc)) {
    auto pid = ParseInt(entry->d_name);
    if (!pid || *pid <= 1) continue;
    if (NamespaceInode(static_cast<pid_t>(*pid), kind) == inode &&
        !HasExited(static_cast<pid_t>(*pid))) {
      pids.push_back(static_cast<pid_t>(*pid));
    }
  }
  closedir(proc);
  return pids;
}

pid_t ParentOf(pid_t pid) {
  std::string stat = StatAfterCommand(pid);  // "S PPID ..."
  if (stat.size() < 3) return 0;
  auto parent = ParseInt(Split(stat.substr(2), ' ').front());
  return parent ? static_cast<pid_t>(*parent) : 0;
}

bool IsAlive(pid_t pid) {
  if (pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH)) return false;
  return !HasExited(pid);
}

void KillProcess(pid_t pid, int signal) {
  if (pid > 1) kill(pid, signal);
}

Result<void> EnterNetns(const std::string& netns_path) {
  int fd = open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
    auto error = Fail(ErrorCode::kEnvironment,
                      "cannot enter network namespace " + netns_path + ": " + std::strerror(errno));
    if (fd >= 0) close(fd);
    return error;
  }
  close(fd);
  return {};
}

Result<void> RunInNetns(const std::string& netns_path, const std::function<void()>& work) {
  Result<void> result;
  std::thread thread([&] {
    result = EnterNetns(netns_path);
    if (result) work();
  });
  thread.join();
  return result;
}

bool SshListens(const std::string& netns_path, const std::string& ip) {
  // /proc/net/tcp writes an IPv4 address as the hex of its bytes in memory order.
  in_addr address{};
  inet_pton(AF_INET, ip.c_str(), &address);
  char own[16];
  std::snprintf(own, sizeof own, "%08X:0016", static_cast<unsigned>(address.s_addr));
  bool listening = false;
  auto ran = RunInNetns(netns_path, [&] {
    int fd = open("/proc/thread-self/net/tcp", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    std::string table;
    char buffer[4096];
    ssize_t got;
    while ((got = read(fd, buffer, sizeof buffer)) > 0)
      table.append(buffer, static_cast<size_t>(got));
    close(fd);
    for (std::string_view line : Split(table, '\n')) {
      // "  sl  local_address rem_address   st ...": a listener's state is 0A.
      std::vector<std::string_view> fields;
      for (std::string_view field : Split(Trim(line), ' ')) {
        if (!field.empty()) fields.push_back(field);
      }
      if (fields.size() < 4 || fields[3] != "0A") continue;
      if (fields[1] == own || fields[1] == "00000000:0016") listening = true;
    }
  });
  return ran && listening;
}

}  // namespace gpubox::local
