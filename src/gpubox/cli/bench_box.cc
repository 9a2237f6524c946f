#include "gpubox/cli/bench_box.h"

#include <ostream>

#include "gpubox/catalog/catalog.h"
#include "gpubox/cli/table.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

using nlohmann::json;

json Optional(const std::optional<double>& value) { return value ? json(*value) : json(nullptr); }

json Percent(double value, const std::optional<double>& peak) {
  return peak && *peak > 0 ? json(100.0 * value / *peak) : json(nullptr);
}

std::string Show(const std::optional<double>& value, int decimals) {
  return value ? FormatFixed(*value, decimals) : "-";
}

/// GPUs the box's instance type has (a fractional slice counts as one); 0 on the local
/// cloud, whose types emulate GPUs the host need not have.
int BoxGpuCount(const BoxRecord& box) {
  if (box.cloud == "local") return 0;
  auto idx = Catalog::Builtin().FindType(box.instance_type);
  if (!idx) return 0;
  const InstanceType& type = Catalog::Builtin().types()[*idx];
  return type.gpu_count == 0 && !type.gpu_model.empty() ? 1 : type.gpu_count;
}

/// Adds the peaks, flags, box and cost to the script's document.
void Annotate(BenchOutcome& outcome) {
  json& doc = outcome.doc;
  const BoxRecord& box = outcome.box;
  doc["box"] = {{"name", box.name},
                {"cloud", box.cloud},
                {"instance_type", box.instance_type},
                {"gpu", box.gpu},
                {"region", box.region},
                {"market", MarketName(box.market)},
                {"price_usd_hr", box.price_usd_hr}};
  if (box.cloud == "local" && !outcome.report.gpu) {
    doc["device"]["note"] =
        "CPU only: the local cloud emulates the instance type's GPU; these are the host's "
        "CPU figures";
  }
  for (size_t dev_idx = 0; dev_idx < outcome.report.devices.size(); ++dev_idx) {
    const DeviceMeasure& measured = outcome.report.devices[dev_idx];
    json& device = doc["devices"][dev_idx];
    for (size_t gemm_idx = 0; gemm_idx < measured.gemm.size(); ++gemm_idx) {
      const GemmMeasure& gemm = measured.gemm[gemm_idx];
      device["gemm"][gemm_idx]["peak_tflops"] = Optional(gemm.peak_tflops);
      device["gemm"][gemm_idx]["percent_of_peak"] = Percent(gemm.tflops, gemm.peak_tflops);
    }
    device["memory"]["peak_gbps"] = Optional(measured.memory_peak_gbps);
    device["memory"]["percent_of_peak"] = Percent(measured.memory_gbps, measured.memory_peak_gbps);
    device["host_device"]["peak_gbps"] = Optional(measured.pcie_peak_gbps);
  }
  json flags = json::array();
  for (const BenchFlag& flag : outcome.flags) {
    flags.push_back({{"measure", flag.measure}, {"message", flag.message}});
  }
  doc["flags"] = flags;
  const BenchMoney& money = outcome.money;
  doc["cost"] = {{"price_usd_hr", money.price_usd_hr},
                 {"usd_per_pflops_hour", Optional(money.usd_per_pflops_hour)},
                 {"pflops_precision", money.pflops_precision},
                 {"usd_per_million_samples", Optional(money.usd_per_million_samples)},
                 {"samples_per_s", outcome.report.BestSamplesPerSecond()},
                 {"bench_seconds", outcome.report.elapsed_seconds},
                 {"bench_cost_usd", money.bench_cost_usd},
                 {"unit", "USD"}};
}

}  // namespace

Result<BenchOutcome> MakeBenchOutcome(const BoxRecord& box, const std::string& text) {
  BenchOutcome outcome;
  outcome.box = box;
  outcome.report = GPUBOX_TRY(ParseBenchOutput(text));
  ApplyPeaks(outcome.report, GpuPeakTable::Builtin());
  outcome.flags = FlagBench(outcome.report, BoxGpuCount(box));
  outcome.money = PriceBench(outcome.report, box.price_usd_hr);
  outcome.doc = json::parse(text);
  Annotate(outcome);
  return outcome;
}

Result<BenchOutcome> BenchBox(Env& env, const GpuboxPaths& paths, const BoxRecord& box,
                              const BenchOptions& options, std::ostream& progress) {
  std::string text =
      GPUBOX_TRY(RunBenchOnBox(env, BoxSshTarget(box, paths), box.name, options, progress));
  return MakeBenchOutcome(box, text);
}

BenchRecord BenchRecordOf(const BenchOutcome& outcome, int64_t now) {
  const BoxRecord& box = outcome.box;
  BenchRecord record;
  record.time = now;
  record.box = box.name;
  record.cloud = box.cloud;
  record.region = box.region;
  record.instance_type = box.instance_type;
  record.market = MarketName(box.market);
  record.gpu = box.gpu;
  record.device = outcome.report.device_name;
  record.quick = outcome.doc.value("quick", false);
  record.price_usd_hr = box.price_usd_hr;
  record.precision = outcome.money.pflops_precision;
  record.tflops = outcome.report.Tflops(record.precision);
  record.workers = outcome.report.training.empty() ? 0 : outcome.report.training.back().workers;
  record.samples_per_s = outcome.report.BestSamplesPerSecond();
  record.usd_per_million_samples = outcome.money.usd_per_million_samples;
  record.usd_per_pflops_hour = outcome.money.usd_per_pflops_hour;
  record.bench_seconds = outcome.report.elapsed_seconds;
  record.flags = static_cast<int>(outcome.flags.size());
  record.json = outcome.doc.dump();
  return record;
}

void PrintBenchOutcome(const BenchOutcome& outcome, std::ostream& out) {
  const BoxRecord& box = outcome.box;
  const BenchReport& report = outcome.report;
  out << box.name << ": " << box.instance_type << " (" << box.gpu << ") " << MarketName(box.market)
      << " in " << box.region << ", $" << FormatDouble(box.price_usd_hr) << "/h; measured on "
      << (report.gpu ? report.device_name : "the CPU (no GPU visible to the framework)") << "\n\n";
  Table gemm({"DEVICE", "PRECISION", "TFLOP/S", "PEAK", "% OF PEAK"});
  for (const DeviceMeasure& device : report.devices) {
    for (const GemmMeasure& measure : device.gemm) {
      gemm.AddRow({std::to_string(device.index) + " " + device.name, measure.precision,
                   FormatFixed(measure.tflops, 3), Show(measure.peak_tflops, 1),
                   measure.peak_tflops ? FormatFixed(100 * measure.tflops / *measure.peak_tflops, 0)
                                       : "-"});
    }
  }
  gemm.Print(out);
  out << '\n';
  Table bandwidth({"DEVICE", "MEMORY GB/S", "PEAK", "HOST->DEVICE GB/S", "LINK"});
  for (const DeviceMeasure& device : report.devices) {
    bandwidth.AddRow({std::to_string(device.index) + " " + device.name,
                      FormatFixed(device.memory_gbps, 1), Show(device.memory_peak_gbps, 0),
                      Show(device.h2d_gbps, 1), Show(device.pcie_peak_gbps, 0)});
  }
  bandwidth.Print(out);
  out << '\n';
  Table training({"WORKERS", "SAMPLES/S", "SCALING EFFICIENCY"});
  for (const TrainingRun& run : report.training) {
    training.AddRow({std::to_string(run.workers), FormatFixed(run.samples_per_s, 1),
                     FormatFixed(100 * run.efficiency, 0) + "%"});
  }
  training.Print(out);
  if (report.allreduce_busbw_gbps) {
    out << "all-reduce bus bandwidth: " << FormatFixed(*report.allreduce_busbw_gbps, 2)
        << " GB/s across " << report.workers << " workers\n";
  }
  const BenchMoney& money = outcome.money;
  out << "\n$" << FormatDouble(money.price_usd_hr) << "/h; $" << Show(money.usd_per_pflops_hour, 2)
      << " per hour of " << money.pflops_precision << " PFLOP/s; $"
      << Show(money.usd_per_million_samples, 2)
      << " per million ResNet-18 samples; this bench: " << FormatFixed(report.elapsed_seconds, 1)
      << " s, $" << FormatFixed(money.bench_cost_usd, 4) << '\n';
  for (const BenchFlag& flag : outcome.flags) {
    out << "flag: " << flag.measure << ": " << flag.message << '\n';
  }
  if (!report.gpu) out << "note: CPU only; figures are the CPU's\n";
}

}  // namespace gpubox
