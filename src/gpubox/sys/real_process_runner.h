#pragma once
/// ProcessRunner for real: posix_spawn, output captured through pipes, an
/// optional timeout after which the child's whole process group is killed.

#include "gpubox/sys/process_runner.h"

namespace gpubox {

class RealProcessRunner : public ProcessRunner {
 public:
  /// Runs argv in its own process group. stdin gets options.stdin_text (then
  /// EOF). On timeout the group gets SIGKILL and exit_code is 137. Safe to call
  /// from several threads at once.
  Result<ProcessResult> Run(const std::vector<std::string>& argv,
                            const ProcessOptions& options = {}) override;
  /// posix_spawnp with the inherited descriptors, then waits.
  Result<int> RunAttached(const std::vector<std::string>& argv) override;
};

}  // namespace gpubox
