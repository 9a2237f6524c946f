#pragma once
/// `gpubox bench --gpu T4,L4,A10G`: one box per GPU model (the cheapest fitting offer each,
/// quota-checked, launched in parallel through the same Provisioner as `up`), the bench on
/// each, every box taken down afterwards (also when a launch or a bench fails, and on
/// Ctrl-C), one table ranked by $ per million samples and a chart (SVG; PNG too where
/// rsvg-convert exists). Results go to the bench history.

#include <string>
#include <vector>

#include "gpubox/cli/cloud_session.h"
#include "gpubox/cli/command.h"

namespace gpubox {

struct CompareOptions {
  std::string gpus;  ///< "T4,L4": GPU models, comma-separated
  std::vector<std::string> regions;
  bool spot = false, on_demand = false;
  bool yes = false, json = false, quick = false;
  int workers = 0;
  std::string chart;  ///< the SVG's path; empty: $XDG_STATE_HOME/gpubox/bench/compare-TIME.svg
  CloudFlags cloud_flags;
};

Result<int> RunBenchCompare(CommandContext& context, const CompareOptions& options);

}  // namespace gpubox
