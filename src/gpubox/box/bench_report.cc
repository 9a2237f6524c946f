#include "gpubox/box/bench_report.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

using nlohmann::json;

std::optional<double> Number(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

Result<double> Positive(const json& object, const char* key, const std::string& where) {
  std::optional<double> value = Number(object, key);
  if (!value || !(*value > 0)) {
    return Fail(ErrorCode::kCloud,
                "bench output: " + where + "." + key + " is not a positive number");
  }
  return *value;
}

Result<DeviceMeasure> ParseDevice(const json& entry) {
  DeviceMeasure device;
  device.index = entry.value("index", 0);
  device.name = entry.value("name", "?");
  std::string where = "devices[" + std::to_string(device.index) + "]";
  if (!entry.contains("gemm") || !entry["gemm"].is_array() || entry["gemm"].empty()) {
    return Fail(ErrorCode::kCloud, "bench output: " + where + " has no gemm measures");
  }
  for (const json& gemm : entry["gemm"]) {
    GemmMeasure measure;
    measure.precision = gemm.value("precision", "?");
    measure.tflops = GPUBOX_TRY(Positive(gemm, "tflops", where + ".gemm"));
    device.gemm.push_back(measure);
  }
  device.memory_gbps =
      GPUBOX_TRY(Positive(entry.value("memory", json::object()), "gbps", where + ".memory"));
  device.h2d_gbps = Number(entry.value("host_device", json::object()), "h2d_gbps");
  return device;
}

/// nvidia-smi's row for a GPU, when the script got one.
void ApplyNvidiaFacts(DeviceMeasure& device, const json& facts) {
  if (!facts.is_array() || device.index >= static_cast<int>(facts.size())) return;
  const json& row = facts[device.index];
  device.sm_clock_mhz = Number(row, "clocks_sm");
  device.sm_clock_max_mhz = Number(row, "clocks_max_sm");
  device.pcie_gen = Number(row, "pcie_link_gen_current");
  device.pcie_gen_max = Number(row, "pcie_link_gen_max");
  device.pcie_width = Number(row, "pcie_link_width_current");
  device.pcie_width_max = Number(row, "pcie_link_width_max");
}

std::string Percent(double fraction) {
  return std::to_string(static_cast<int>(fraction * 100 + 0.5)) + "%";
}

}  // namespace

std::optional<double> BenchReport::Tflops(std::string_view precision) const {
  if (devices.empty()) return std::nullopt;
  for (const GemmMeasure& gemm : devices.front().gemm) {
    if (gemm.precision == precision) return gemm.tflops;
  }
  return std::nullopt;
}

double BenchReport::BestSamplesPerSecond() const {
  return training.empty() ? 0 : training.back().samples_per_s;
}

Result<BenchReport> ParseBenchOutput(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Fail(ErrorCode::kCloud, "bench output is not JSON",
                "run the script by hand: gpubox ssh NAME -- python3 ~/.gpubox/bench.py --quick");
  }
  BenchReport report;
  const json device = doc.value("device", json::object());
  report.gpu = device.value("kind", "") == "gpu";
  report.device_name = device.value("name", "?");
  report.workers = device.value("workers", 0);
  if (!doc.contains("devices") || !doc["devices"].is_array() || doc["devices"].empty()) {
    return Fail(ErrorCode::kCloud, "bench output: no device measures");
  }
  for (const json& entry : doc["devices"]) {
    DeviceMeasure measure = GPUBOX_TRY(ParseDevice(entry));
    ApplyNvidiaFacts(measure, doc.value("nvidia", json::array()));
    report.devices.push_back(std::move(measure));
  }
  const json training = doc.value("training", json::object());
  for (const json& run : training.value("runs", json::array())) {
    TrainingRun parsed;
    parsed.workers = run.value("workers", 0);
    parsed.samples_per_s = GPUBOX_TRY(Positive(run, "samples_per_s", "training.runs"));
    parsed.efficiency = Number(run, "efficiency").value_or(0);
    report.training.push_back(parsed);
  }
  if (report.training.empty()) return Fail(ErrorCode::kCloud, "bench output: no training runs");
  report.allreduce_busbw_gbps = Number(doc.value("allreduce", json::object()), "busbw_gbps");
  report.elapsed_seconds = GPUBOX_TRY(Positive(doc, "elapsed_seconds", "bench"));
  return report;
}

void ApplyPeaks(BenchReport& report, const GpuPeakTable& table) {
  if (!report.gpu) return;
  for (DeviceMeasure& device : report.devices) {
    const GpuPeaks* peaks = table.Find(device.name);
    if (peaks == nullptr) continue;
    for (GemmMeasure& gemm : device.gemm) gemm.peak_tflops = peaks->TflopsOf(gemm.precision);
    device.memory_peak_gbps = peaks->memory_gbps;
    device.pcie_peak_gbps = peaks->pcie_gbps;
  }
}

std::optional<BenchFlag> FlagGemm(const DeviceMeasure& device, const GemmMeasure& gemm) {
  if (!gemm.peak_tflops) return std::nullopt;
  double fraction = gemm.tflops / *gemm.peak_tflops;
  if (fraction >= kFlagBelowPeak) return std::nullopt;
  std::string cause = "the GPU may be shared, throttled (power, heat) or the framework slow";
  if (device.sm_clock_mhz && device.sm_clock_max_mhz && *device.sm_clock_max_mhz > 0 &&
      *device.sm_clock_mhz < 0.8 * *device.sm_clock_max_mhz) {
    cause = "low clocks: the GPU runs at " + FormatFixed(*device.sm_clock_mhz, 0) + " of " +
            FormatFixed(*device.sm_clock_max_mhz, 0) +
            " MHz (a low power state, a power cap or heat; nvidia-smi -q -d PERFORMANCE)";
  }
  return BenchFlag{"gemm " + gemm.precision,
                   Percent(fraction) + " of the published peak: " + cause};
}

std::vector<BenchFlag> FlagBench(const BenchReport& report, int box_gpu_count) {
  std::vector<BenchFlag> flags;
  if (!report.gpu) {
    if (box_gpu_count > 0) {
      flags.push_back(
          {"device", "CPU fallback: the instance has " + std::to_string(box_gpu_count) +
                         " GPU(s) but the framework sees none (driver, CUDA build of the "
                         "framework; nvidia-smi and torch.cuda.is_available() tell)"});
    }
    return flags;
  }
  for (const DeviceMeasure& device : report.devices) {
    std::string gpu = "GPU " + std::to_string(device.index) + " ";
    for (const GemmMeasure& gemm : device.gemm) {
      if (auto flag = FlagGemm(device, gemm)) {
        flag->measure = gpu + flag->measure;
        flags.push_back(*flag);
      }
    }
    if (device.memory_peak_gbps && device.memory_gbps < kFlagBelowPeak * *device.memory_peak_gbps) {
      flags.push_back({gpu + "memory", Percent(device.memory_gbps / *device.memory_peak_gbps) +
                                           " of the published bandwidth: low memory clocks or a "
                                           "shared GPU"});
    }
    if (device.h2d_gbps && device.pcie_peak_gbps &&
        *device.h2d_gbps < kFlagBelowPeak * *device.pcie_peak_gbps) {
      std::string cause = "pinned copies slow: another device on the link, or the host's NUMA";
      bool gen_down =
          device.pcie_gen && device.pcie_gen_max && *device.pcie_gen < *device.pcie_gen_max;
      bool width_down =
          device.pcie_width && device.pcie_width_max && *device.pcie_width < *device.pcie_width_max;
      if (gen_down || width_down) {
        cause = "PCIe link down-trained: gen " + FormatFixed(device.pcie_gen.value_or(0), 0) +
                " x" + FormatFixed(device.pcie_width.value_or(0), 0) + " of gen " +
                FormatFixed(device.pcie_gen_max.value_or(0), 0) + " x" +
                FormatFixed(device.pcie_width_max.value_or(0), 0);
      }
      flags.push_back({gpu + "host-device", Percent(*device.h2d_gbps / *device.pcie_peak_gbps) +
                                                " of the link: " + cause});
    }
  }
  return flags;
}

BenchMoney PriceBench(const BenchReport& report, double price_usd_hr) {
  BenchMoney money;
  money.price_usd_hr = price_usd_hr;
  std::optional<double> tflops = report.Tflops("fp16");
  money.pflops_precision = "fp16";
  if (!tflops && !report.devices.empty()) {
    // A CPU (or a GPU without fp16): the best precision it has.
    const GemmMeasure* best = nullptr;
    for (const GemmMeasure& gemm : report.devices.front().gemm) {
      if (best == nullptr || gemm.tflops > best->tflops) best = &gemm;
    }
    if (best != nullptr) {
      tflops = best->tflops;
      money.pflops_precision = best->precision;
    }
  }
  if (tflops && *tflops > 0) money.usd_per_pflops_hour = price_usd_hr / (*tflops / 1000.0);
  double rate = report.BestSamplesPerSecond();
  if (rate > 0) money.usd_per_million_samples = price_usd_hr / (rate * 3600.0) * 1e6;
  money.bench_cost_usd = price_usd_hr * report.elapsed_seconds / 3600.0;
  return money;
}

}  // namespace gpubox
