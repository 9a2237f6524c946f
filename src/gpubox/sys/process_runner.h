#pragma once
/// Running programs. The real runner forks and execs (real_process_runner.h);
/// tests use a recording fake.

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gpubox/util/result.h"

namespace gpubox {

struct ProcessResult {
  int exit_code = 0;  ///< 128+N when killed by signal N
  std::string out;
  std::string err;
};

struct ProcessOptions {
  std::string stdin_text;
  int timeout_ms = 0;  ///< 0: no limit; on expiry the child is killed (exit 137)
  /// Called with each line of stdout (without '\n') as it arrives, for progress;
  /// the output is still captured whole.
  std::function<void(std::string_view)> on_stdout_line;
  /// When set, checked at least every 100 ms: once it reads true the child is killed as on a
  /// timeout (exit 137). For a command interrupted by the user (Ctrl-C).
  const std::atomic<bool>* cancel = nullptr;
};

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  /// Runs argv[0] (looked up on PATH) to completion, capturing its output.
  /// A non-zero exit is a value; failing to start is an Error (kEnvironment).
  virtual Result<ProcessResult> Run(const std::vector<std::string>& argv,
                                    const ProcessOptions& options = {}) = 0;
  /// Runs argv[0] with this process's stdin, stdout and stderr (a terminal
  /// session such as `ssh`) and returns its exit status.
  virtual Result<int> RunAttached(const std::vector<std::string>& argv) = 0;
};

}  // namespace gpubox
