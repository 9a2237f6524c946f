#include "gpubox/sys/real_process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

extern char** environ;

namespace gpubox {
namespace {

/// Closes both ends of the pipes it holds when it goes out of scope.
struct Pipe {
  int fds[2] = {-1, -1};
  ~Pipe() { CloseBoth(); }
  bool Open() { return pipe2(fds, O_CLOEXEC) == 0; }
  void Close(int end) {
    if (fds[end] >= 0) close(fds[end]);
    fds[end] = -1;
  }
  void CloseBoth() {
    Close(0);
    Close(1);
  }
};

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

Result<ProcessResult> RealProcessRunner::Run(const std::vector<std::string>& argv,
                                             const ProcessOptions& options) {
  if (argv.empty()) return Fail(ErrorCode::kInternal, "no program to run");
  Pipe in, out, err;
  if (!in.Open() || !out.Open() || !err.Open()) {
    return Fail(ErrorCode::kEnvironment, std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.fds[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out.fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err.fds[1], 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);  // no leaked descriptors
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t no_signals, default_signals;
  sigemptyset(&no_signals);
  sigemptyset(&default_signals);
  sigaddset(&default_signals, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &no_signals);
  posix_spawnattr_setsigdefault(&attr, &default_signals);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int spawn_error = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (spawn_error != 0) {
    return Fail(ErrorCode::kEnvironment,
                "cannot run " + argv[0] + ": " + std::strerror(spawn_error));
  }
  in.Close(0);
  out.Close(1);
  err.Close(1);

  ProcessResult result;
  size_t stdin_written = 0;
  if (options.stdin_text.empty()) in.Close(1);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.timeout_ms);
  bool timed_out = false;
  char buffer[65536];
  size_t emitted = 0;  // bytes of result.out already passed to on_stdout_line
  auto emit_lines = [&](bool at_end) {
    if (!options.on_stdout_line) return;
    size_t newline;
    while ((newline = result.out.find('\n', emitted)) != std::string::npos) {
      options.on_stdout_line(std::string_view(result.out).substr(emitted, newline - emitted));
      emitted = newline + 1;
    }
    if (at_end && emitted < result.out.size()) {
      options.on_stdout_line(std::string_view(result.out).substr(emitted));
      emitted = result.out.size();
    }
  };
  while (out.fds[0] >= 0 || err.fds[0] >= 0) {
    pollfd fds[3];
    int count = 0;
    int out_idx = -1, err_idx = -1, in_idx = -1;
    if (out.fds[0] >= 0) fds[out_idx = count++] = {out.fds[0], POLLIN, 0};
    if (err.fds[0] >= 0) fds[err_idx = count++] = {err.fds[0], POLLIN, 0};
    if (in.fds[1] >= 0) fds[in_idx = count++] = {in.fds[1], POLLOUT, 0};
    int wait_ms = -1;
    if (options.timeout_ms > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) {
        timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(left);
    }
    if (options.cancel != nullptr) {
      if (options.cancel->load()) {
        timed_out = true;
        break;
      }
      if (wait_ms < 0 || wait_ms > 100) wait_ms = 100;
    }
    int ready = poll(fds, count, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    auto drain = [&](int idx, Pipe& pipe, std::string& sink) {
      if (idx < 0 || fds[idx].revents == 0) return;
      ssize_t got = read(pipe.fds[0], buffer, sizeof buffer);
      if (got > 0) {
        sink.append(buffer, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        pipe.Close(0);
      }
    };
    drain(out_idx, out, result.out);
    drain(err_idx, err, result.err);
    emit_lines(false);
    if (in_idx >= 0 && fds[in_idx].revents != 0) {
      ssize_t put = write(in.fds[1], options.stdin_text.data() + stdin_written,
                          options.stdin_text.size() - stdin_written);
      if (put > 0) stdin_written += static_cast<size_t>(put);
      if (put < 0 && errno != EINTR) in.Close(1);
      if (stdin_written == options.stdin_text.size()) in.Close(1);
    }
  }
  in.Close(1);
  emit_lines(true);
  if (timed_out) kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = timed_out ? 137 : ExitCodeOf(status);
  return result;
}

Result<int> RealProcessRunner::RunAttached(const std::vector<std::string>& argv) {
  if (argv.empty()) return Fail(ErrorCode::kInternal, "no program to run");
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int spawn_error = posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ);
  if (spawn_error != 0) {
    return Fail(ErrorCode::kEnvironment,
                "cannot run " + argv[0] + ": " + std::strerror(spawn_error));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return ExitCodeOf(status);
}

}  // namespace gpubox
