#pragma once
/// What `gpubox bench` makes of the on-box script's JSON (box/scripts/bench.py): the
/// measures, each against the GPU's published peak (catalog/gpu_peaks.h), flags for results
/// far below it with their likely cause, and the money (the box's $/h, $ per hour of fp16
/// PFLOP/s, $ per million training samples). Pure logic: no I/O.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpubox/catalog/gpu_peaks.h"
#include "gpubox/util/result.h"

namespace gpubox {

struct GemmMeasure {
  std::string precision;  ///< "fp32", "tf32", "fp16", "bf16"
  double tflops = 0;      ///< the best of the sizes' medians
  std::optional<double> peak_tflops;
};

/// One device's measures (a GPU, or the whole CPU on a box without one).
struct DeviceMeasure {
  int index = 0;
  std::string name;  ///< "Tesla T4", "CPU"
  std::vector<GemmMeasure> gemm;
  double memory_gbps = 0;
  std::optional<double> memory_peak_gbps;
  std::optional<double> h2d_gbps;  ///< pinned host -> device; nullopt on CPU
  std::optional<double> pcie_peak_gbps;
  /// nvidia-smi's facts for this GPU when it answered (clocks in MHz, PCIe gen and width).
  std::optional<double> sm_clock_mhz, sm_clock_max_mhz;
  std::optional<double> pcie_gen, pcie_gen_max, pcie_width, pcie_width_max;
};

struct TrainingRun {
  int workers = 0;
  double samples_per_s = 0;
  double efficiency = 0;  ///< samples_per_s / (workers x samples_per_s of 1 worker)
};

struct BenchReport {
  bool gpu = false;         ///< false: everything ran on the CPU
  std::string device_name;  ///< "Tesla T4", "CPU"
  int workers = 0;
  std::vector<DeviceMeasure> devices;
  std::vector<TrainingRun> training;
  std::optional<double> allreduce_busbw_gbps;
  double elapsed_seconds = 0;  ///< the script's whole run, on the box

  /// TFLOP/s of `precision` on the first device; nullopt when not measured.
  std::optional<double> Tflops(std::string_view precision) const;
  /// Samples/s of the run with the most workers (the whole box); 0 when none.
  double BestSamplesPerSecond() const;
};

/// Parses the script's JSON; kCloud (with what is wrong) when it is not what bench.py
/// writes: a missing measure, a non-positive time or rate.
Result<BenchReport> ParseBenchOutput(std::string_view json);

/// Fills the peaks of every device from `table` (by the device's name; on a CPU run, none).
void ApplyPeaks(BenchReport& report, const GpuPeakTable& table);

/// A result that is far below the peak, and its likely cause.
struct BenchFlag {
  std::string measure;  ///< "gemm fp16", "memory", "host-device", "device"
  std::string message;  ///< "41% of the published peak: the GPU runs at 585 of 1590 MHz ..."
};

/// Below this fraction of the published peak a measure is flagged.
inline constexpr double kFlagBelowPeak = 0.5;

/// The flags of a report. `box_gpu_count` is how many GPUs the instance type has: a CPU run
/// on a GPU type is the framework not seeing the GPU (a CPU fallback).
std::vector<BenchFlag> FlagBench(const BenchReport& report, int box_gpu_count);

/// The one check setup's gpu-check can reuse: `gemm`'s TFLOP/s on `device` against its
/// peak (ApplyPeaks); a flag when below kFlagBelowPeak, with the cause the clocks tell.
/// nullopt when fine or when no peak is known.
std::optional<BenchFlag> FlagGemm(const DeviceMeasure& device, const GemmMeasure& gemm);

struct BenchMoney {
  double price_usd_hr = 0;
  /// $ per hour of one PFLOP/s, at the fp16 rate (on a CPU run, the best precision
  /// measured); nullopt without a rate.
  std::optional<double> usd_per_pflops_hour;
  std::string pflops_precision;  ///< the precision that figure uses
  /// $ per million training samples at the whole box's rate; nullopt without a rate.
  std::optional<double> usd_per_million_samples;
  double bench_cost_usd = 0;  ///< price x the bench's time on the box
};

/// The money of a report at `price_usd_hr`.
BenchMoney PriceBench(const BenchReport& report, double price_usd_hr);

}  // namespace gpubox
