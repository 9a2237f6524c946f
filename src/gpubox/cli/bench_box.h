#pragma once
/// One box's bench, as both `gpubox bench NAME` and the comparison use it: the script run
/// on the box, its measures against the published peaks, the flags, the money, the JSON
/// document printed by --json and kept in the history.

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <vector>

#include "gpubox/box/bench_report.h"
#include "gpubox/box/bench_runner.h"
#include "gpubox/box/paths.h"
#include "gpubox/state/bench_history.h"
#include "gpubox/state/box_store.h"

namespace gpubox {

struct BenchOutcome {
  BoxRecord box;
  BenchReport report;
  std::vector<BenchFlag> flags;
  BenchMoney money;
  nlohmann::json doc;  ///< the script's JSON with box, peaks, flags and cost added
};

/// Runs the bench on `box` (running) and makes its outcome; `progress` gets the steps.
Result<BenchOutcome> BenchBox(Env& env, const GpuboxPaths& paths, const BoxRecord& box,
                              const BenchOptions& options, std::ostream& progress);

/// The outcome made from the script's JSON `text` (what BenchBox does after the run).
Result<BenchOutcome> MakeBenchOutcome(const BoxRecord& box, const std::string& text);

/// The history row of an outcome, benched at `now` (Unix seconds).
BenchRecord BenchRecordOf(const BenchOutcome& outcome, int64_t now);

/// The human-readable report: device, GEMM per precision with % of peak, bandwidths,
/// training per worker count with scaling efficiency, the money, the flags.
void PrintBenchOutcome(const BenchOutcome& outcome, std::ostream& out);

}  // namespace gpubox
