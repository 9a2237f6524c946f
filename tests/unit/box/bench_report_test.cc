#include "gpubox/box/bench_report.h"

#include <gtest/gtest.h>

#include "gpubox/box/bench_runner.h"

namespace gpubox {
namespace {

/// What bench.py writes on a one-GPU T4 box (trimmed to what the parser reads).
constexpr const char* kT4Output = R"({
  "schema": 1, "quick": true,
  "device": {"kind": "gpu", "name": "Tesla T4", "count": 1, "workers": 1},
  "devices": [{"index": 0, "name": "Tesla T4",
    "gemm": [{"precision": "fp32", "unit": "TFLOP/s", "tflops": 4.5,
              "sizes": [{"n": 1024, "seconds": 0.0006, "tflops": 3.6}]},
             {"precision": "fp16", "unit": "TFLOP/s", "tflops": 20.0}],
    "memory": {"unit": "GB/s", "gbps": 240.0},
    "host_device": {"unit": "GB/s", "h2d_gbps": 3.0, "d2h_gbps": 3.1}}],
  "training": {"unit": "samples/s", "runs": [
    {"workers": 1, "seconds": 2.0, "samples_per_s": 400.0, "efficiency": 1.0}]},
  "allreduce": {"unit": "GB/s", "busbw_gbps": null},
  "nvidia": [{"name": "Tesla T4", "clocks_sm": 585, "clocks_max_sm": 1590,
              "pcie_link_gen_current": 1, "pcie_link_gen_max": 3,
              "pcie_link_width_current": 16, "pcie_link_width_max": 16}],
  "elapsed_seconds": 36.0
})";

constexpr const char* kCpuOutput = R"({
  "device": {"kind": "cpu", "name": "CPU", "workers": 2},
  "devices": [{"index": 0, "name": "CPU",
    "gemm": [{"precision": "fp32", "tflops": 0.05}, {"precision": "bf16", "tflops": 0.02}],
    "memory": {"gbps": 5.0}, "host_device": {"h2d_gbps": null}}],
  "training": {"runs": [{"workers": 1, "samples_per_s": 10.0, "efficiency": 1.0},
                        {"workers": 2, "samples_per_s": 16.0, "efficiency": 0.8}]},
  "allreduce": {"busbw_gbps": 0.5},
  "elapsed_seconds": 20.0
})";

TEST(BenchReportTest, ParsesEveryMeasure) {
  auto report = ParseBenchOutput(kCpuOutput);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_FALSE(report->gpu);
  EXPECT_EQ(report->workers, 2);
  ASSERT_EQ(report->devices.size(), 1u);
  EXPECT_DOUBLE_EQ(*report->Tflops("fp32"), 0.05);
  EXPECT_FALSE(report->Tflops("fp16"));
  EXPECT_DOUBLE_EQ(report->devices[0].memory_gbps, 5.0);
  EXPECT_FALSE(report->devices[0].h2d_gbps);
  ASSERT_EQ(report->training.size(), 2u);
  EXPECT_DOUBLE_EQ(report->BestSamplesPerSecond(), 16.0);
  EXPECT_DOUBLE_EQ(*report->allreduce_busbw_gbps, 0.5);
  EXPECT_DOUBLE_EQ(report->elapsed_seconds, 20.0);
}

TEST(BenchReportTest, RefusesOutputThatIsNotABench) {
  EXPECT_EQ(ParseBenchOutput("Traceback (most recent call last):").error().code, ErrorCode::kCloud);
  EXPECT_FALSE(ParseBenchOutput(R"({"devices": []})"));
  std::string zero_time = kCpuOutput;
  zero_time.replace(zero_time.find("\"samples_per_s\": 10.0"), 21, "\"samples_per_s\": 0.0");
  auto refused = ParseBenchOutput(zero_time);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("samples_per_s"), std::string::npos);
}

TEST(BenchReportTest, PeaksComeFromTheTableByTheDriversName) {
  auto report = ParseBenchOutput(kT4Output);
  ASSERT_TRUE(report) << report.error().message;
  ApplyPeaks(*report, GpuPeakTable::Builtin());
  const DeviceMeasure& t4 = report->devices[0];
  EXPECT_DOUBLE_EQ(*t4.gemm[0].peak_tflops, 8.1);
  EXPECT_DOUBLE_EQ(*t4.gemm[1].peak_tflops, 65);
  EXPECT_DOUBLE_EQ(*t4.memory_peak_gbps, 320);
  auto cpu = ParseBenchOutput(kCpuOutput);
  ApplyPeaks(*cpu, GpuPeakTable::Builtin());
  EXPECT_FALSE(cpu->devices[0].gemm[0].peak_tflops);  // a CPU has no row
}

TEST(BenchReportTest, FlagsLowClocksAndADownTrainedLinkWithTheirCause) {
  auto report = ParseBenchOutput(kT4Output);
  ApplyPeaks(*report, GpuPeakTable::Builtin());
  std::vector<BenchFlag> flags = FlagBench(*report, 1);
  // fp32 4.5 of 8.1 is 56%: fine; fp16 20 of 65 is 31%: flagged; memory 240 of 320: fine;
  // host->device 3 of 12 GB/s on a gen 1 link of gen 3: flagged.
  ASSERT_EQ(flags.size(), 2u);
  EXPECT_EQ(flags[0].measure, "GPU 0 gemm fp16");
  EXPECT_NE(flags[0].message.find("31% of the published peak"), std::string::npos);
  EXPECT_NE(flags[0].message.find("low clocks: the GPU runs at 585 of 1590 MHz"),
            std::string::npos);
  EXPECT_EQ(flags[1].measure, "GPU 0 host-device");
  EXPECT_NE(flags[1].message.find("PCIe link down-trained: gen 1 x16 of gen 3 x16"),
            std::string::npos);
}

TEST(BenchReportTest, FlagsACpuFallbackOnlyWhereTheTypeHasAGpu) {
  auto report = ParseBenchOutput(kCpuOutput);
  std::vector<BenchFlag> flags = FlagBench(*report, 4);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].measure, "device");
  EXPECT_NE(flags[0].message.find("CPU fallback"), std::string::npos);
  EXPECT_TRUE(FlagBench(*report, 0).empty());
}

TEST(BenchReportTest, GemmFlagWithoutClocksGivesTheOtherCauses) {
  DeviceMeasure device;
  GemmMeasure gemm{"fp16", 10, 65.0};
  auto flag = FlagGemm(device, gemm);
  ASSERT_TRUE(flag);
  EXPECT_NE(flag->message.find("15% of the published peak"), std::string::npos);
  EXPECT_EQ(flag->message.find("low clocks"), std::string::npos);
  EXPECT_FALSE(FlagGemm(device, GemmMeasure{"fp16", 40, 65.0}));
  EXPECT_FALSE(FlagGemm(device, GemmMeasure{"fp16", 1, std::nullopt}));  // no peak: no verdict
}

TEST(BenchReportTest, MoneyIsPriceTimesTime) {
  auto report = ParseBenchOutput(kT4Output);
  BenchMoney money = PriceBench(*report, 0.526);
  // $0.526/h for 20 fp16 TFLOP/s = 0.02 PFLOP/s: $26.30 per PFLOP/s-hour.
  EXPECT_EQ(money.pflops_precision, "fp16");
  EXPECT_NEAR(*money.usd_per_pflops_hour, 26.3, 1e-9);
  // 400 samples/s = 1.44 M samples/h: $0.36528 per million.
  EXPECT_NEAR(*money.usd_per_million_samples, 0.526 / 1.44, 1e-12);
  EXPECT_NEAR(money.bench_cost_usd, 0.526 * 36.0 / 3600.0, 1e-15);
}

TEST(BenchReportTest, MoneyOnACpuUsesItsBestPrecisionAndTheWholeBoxsRate) {
  auto report = ParseBenchOutput(kCpuOutput);
  BenchMoney money = PriceBench(*report, 1.0);
  EXPECT_EQ(money.pflops_precision, "fp32");
  EXPECT_NEAR(*money.usd_per_pflops_hour, 1.0 / 0.00005, 1e-6);
  EXPECT_NEAR(*money.usd_per_million_samples, 1e6 / (16.0 * 3600.0), 1e-12);
}

TEST(BenchRunnerTest, SessionWritesTheScriptAndRunsItWithTheOptions) {
  std::string quick = BenchSessionScript({.quick = true, .workers = 2});
  EXPECT_NE(quick.find("cat > ~/.gpubox/bench.py <<'GPUBOX_BENCH_END'\n"), std::string::npos);
  EXPECT_NE(quick.find("def launch(args)"), std::string::npos);
  EXPECT_NE(quick.find("GPUBOX_BENCH_ARGS='--quick --workers 2'\n"), std::string::npos);
  EXPECT_NE(quick.find("echo \"gpubox-bench-json\""), std::string::npos);
  EXPECT_NE(BenchSessionScript({}).find("GPUBOX_BENCH_ARGS=''\n"), std::string::npos);
}

}  // namespace
}  // namespace gpubox
