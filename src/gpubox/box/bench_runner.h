#pragma once
/// Runs the bench script (box/scripts/bench.py) on a box over SSH and returns its JSON;
/// the script's progress lines are shown as they come.

#include <atomic>
#include <iosfwd>
#include <string>

#include "gpubox/box/ssh.h"
#include "gpubox/sys/env.h"
#include "gpubox/util/result.h"

namespace gpubox {

struct BenchOptions {
  bool quick = false;  ///< smaller sizes and fewer repetitions (seconds on a CPU box)
  int workers = 0;     ///< training workers; 0: every GPU, or on a CPU box up to 4 cores
  int timeout_ms = 3600 * 1000;
  /// When it reads true the run is stopped (the user's Ctrl-C); see ProcessOptions::cancel.
  const std::atomic<bool>* cancel = nullptr;
};

/// What is sent to `bash -s` on the box: bench.py written to ~/.gpubox/bench.py, then
/// bench_run.sh with the options.
std::string BenchSessionScript(const BenchOptions& options);

/// Runs the bench on `target` (`box` names it in messages); `progress` gets one line per
/// step ("gpubox: bench: gemm fp32 n=512 ..."). Returns the script's JSON text. kCloud when
/// the script fails (with its last line).
Result<std::string> RunBenchOnBox(Env& env, const SshTarget& target, const std::string& box,
                                  const BenchOptions& options, std::ostream& progress);

}  // namespace gpubox
