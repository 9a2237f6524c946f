#pragma once
/// The comparison's chart: one row per server, its training throughput and its cost per
/// million samples as bars side by side, as an SVG document (no library: a few rectangles
/// and labels).

#include <optional>
#include <string>
#include <vector>

namespace gpubox {

struct ChartRow {
  std::string label;  ///< "T4 g4dn.xlarge spot $0.16/h"
  double samples_per_s = 0;
  std::optional<double> usd_per_million_samples;
};

/// The SVG text; labels are escaped. Rows are drawn in the order given.
std::string BenchChartSvg(const std::string& title, const std::vector<ChartRow>& rows);

}  // namespace gpubox
