#pragma once
/// Published peak figures per GPU model (data/gpu_peaks.tsv, embedded at build time, with
/// the source of each row): dense matrix-multiply TFLOP/s per precision, memory bandwidth
/// and the host link. `gpubox bench` reports its measures as a percentage of these.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpubox/util/result.h"

namespace gpubox {

struct GpuPeaks {
  std::string model;  ///< as data/catalog.tsv names it ("T4", "A10G", "GRID K520")
  std::optional<double> fp32_tflops, tf32_tflops, fp16_tflops, bf16_tflops;
  std::optional<double> memory_gbps;  ///< device memory bandwidth
  std::optional<double> pcie_gbps;    ///< the host link's usable rate, one direction
  std::string source;

  /// The TFLOP/s peak of "fp32", "tf32", "fp16" or "bf16"; nullopt when the GPU lacks it.
  std::optional<double> TflopsOf(std::string_view precision) const;
};

class GpuPeakTable {
 public:
  /// Parses the data/gpu_peaks.tsv format ("-" for a figure the GPU lacks); errors name the
  /// line.
  static Result<GpuPeakTable> Parse(std::string_view text);
  /// The table built into the binary; parsed once, on first use.
  static const GpuPeakTable& Builtin();

  /// The row for a GPU model, case-insensitive; also found by a device name that contains
  /// the model as a word ("Tesla T4", "NVIDIA A10G", "NVIDIA H100 80GB HBM3"). nullptr when
  /// unknown.
  const GpuPeaks* Find(std::string_view model) const;
  const std::vector<GpuPeaks>& rows() const { return rows_; }

 private:
  std::vector<GpuPeaks> rows_;
};

}  // namespace gpubox
