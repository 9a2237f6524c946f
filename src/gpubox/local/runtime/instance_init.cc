#include "gpubox/local/runtime/instance_init.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "gpubox/local/runtime/host_processes.h"

namespace gpubox::local {
namespace {

constexpr char kScriptInRoot[] = "/run/gpubox-init.sh";

/// What the child reads: every string made before the clone, as the child may only make
/// system calls (the parent has other threads; their locks are copied held).
struct ChildPlan {
  const InitLaunch* launch;
  std::string script_path;  // on the host's tree, under the new /run
  int null_fd;
  int log_fd;
};

void WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t wrote = write(fd, data, size);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return;
    data += wrote;
    size -= static_cast<size_t>(wrote);
  }
}

void WriteText(int fd, const char* text) { WriteAll(fd, text, std::strlen(text)); }

[[noreturn]] void Die(const char* what, const char* path) {
  int error = errno;
  char digits[16];
  int at = sizeof digits;
  digits[--at] = '\0';
  do {
    digits[--at] = static_cast<char>('0' + error % 10);
    error /= 10;
  } while (error > 0 && at > 0);
  WriteText(2, "[gpubox] boot failed: ");
  WriteText(2, what);
  WriteText(2, " ");
  WriteText(2, path);
  WriteText(2, ": errno ");
  WriteText(2, digits + at);
  WriteText(2, "\n");
  _exit(1);
}

bool IsDirectory(const char* path) {
  struct stat info;
  return stat(path, &info) == 0 && S_ISDIR(info.st_mode);
}

[[noreturn]] void RunInit(const ChildPlan& plan) {
  const InitLaunch& launch = *plan.launch;
  setsid();
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
    sigaction(signal_number, &default_action, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  dup2(plan.null_fd, 0);
  dup2(plan.log_fd, 1);
  dup2(plan.log_fd, 2);
  // Nothing of the daemon's reaches the instance, which outlives it (close_range, or one by
  // one where the kernel lacks it).
  if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
    struct rlimit limit {};
    rlim_t highest = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
                         ? limit.rlim_cur
                         : 65536;
    for (rlim_t fd = 3; fd < highest; ++fd) close(static_cast<int>(fd));
  }
  umask(022);
  WriteAll(1, launch.first_line.data(), launch.first_line.size());
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) Die("making private", "/");
  if (sethostname(launch.hostname.data(), launch.hostname.size()) != 0) {
    Die("setting the host name", launch.hostname.c_str());
  }
  for (const BootStep& step : launch.steps) {
    const char* target = step.target.c_str();
    switch (step.kind) {
      case BootStep::kMount:
        if (step.only_if_dir && !IsDirectory(target)) break;
        if (mount(step.source.c_str(), target, step.type.empty() ? nullptr : step.type.c_str(),
                  step.flags, step.data.empty() ? nullptr : step.data.c_str()) != 0) {
          Die("mounting on", target);
        }
        break;
      case BootStep::kMakeDir:
        if (mkdir(target, 0755) != 0 && errno != EEXIST) Die("making the directory", target);
        break;
      case BootStep::kMakeFile: {
        int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) Die("making the file", target);
        close(fd);
        break;
      }
      case BootStep::kSymlink:
        if (symlink(step.source.c_str(), target) != 0 && errno != EEXIST) {
          Die("making the link", target);
        }
        break;
    }
  }
  int script = open(plan.script_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
  if (script < 0) Die("writing", plan.script_path.c_str());
  WriteAll(script, launch.boot_script.data(), launch.boot_script.size());
  close(script);
  if (chdir(launch.root.c_str()) != 0) Die("entering", launch.root.c_str());
  if (syscall(SYS_pivot_root, ".", "run/oldroot") != 0) Die("pivoting into", launch.root.c_str());
  if (chdir("/") != 0) Die("entering", "/");
  if (umount2("/run/oldroot", MNT_DETACH) != 0) Die("unmounting", "/run/oldroot");
  const char* argv[] = {"/bin/sh", kScriptInRoot, nullptr};
  const char* envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                        "HOME=/root", "LANG=C.UTF-8", nullptr};
  execve(argv[0], const_cast<char* const*>(argv), const_cast<char* const*>(envp));
  Die("starting", argv[0]);
}

/// open(2) with O_CLOEXEC, the descriptor moved above 2: the child's dup2 onto 0, 1 and 2
/// must neither clobber it nor keep its close-on-exec (a daemon started with a standard
/// stream closed gets those numbers back).
int OpenAboveStdio(const std::string& path, int flags) {
  int fd = open(path.c_str(), flags | O_CLOEXEC, 0640);
  if (fd < 0 || fd > 2) return fd;
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int error = errno;
  close(fd);
  errno = error;
  return moved;
}

}  // namespace

Result<pid_t> SpawnInstanceInit(const InitLaunch& launch) {
  ChildPlan plan{&launch, launch.root + kScriptInRoot, -1, -1};
  auto cannot_open = [](const std::string& path) {
    return Fail(ErrorCode::kEnvironment, "cannot open " + path + ": " + std::strerror(errno));
  };
  plan.null_fd = OpenAboveStdio("/dev/null", O_RDONLY);
  if (plan.null_fd < 0) return cannot_open("/dev/null");
  plan.log_fd = OpenAboveStdio(launch.console_log, O_WRONLY | O_CREAT | O_APPEND);
  if (plan.log_fd < 0) {
    auto failed = cannot_open(launch.console_log);
    close(plan.null_fd);
    return failed;
  }
  pid_t pid = -1;
  int clone_error = 0;
  // From a thread inside the instance's network namespace: the clone is born there.
  Result<void> entered = RunInNetns(launch.netns_path, [&] {
    pid = static_cast<pid_t>(syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | SIGCHLD,
                                     nullptr, nullptr, nullptr, nullptr));
    if (pid == 0) RunInit(plan);
    clone_error = errno;
  });
  close(plan.null_fd);
  close(plan.log_fd);
  if (!entered) return std::unexpected(entered.error());
  if (pid < 0) {
    return Fail(ErrorCode::kEnvironment,
                "cannot start the instance's init: " + std::string(std::strerror(clone_error)));
  }
  return pid;
}

}  // namespace gpubox::local
