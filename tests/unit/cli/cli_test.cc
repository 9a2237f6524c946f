#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "gpubox/cli/command.h"

namespace gpubox {
namespace {

struct CliRun {
  int status;
  std::string out;
  std::string err;
};

CliRun RunGpubox(std::vector<const char*> args) {
  args.insert(args.begin(), "gpubox");
  Env env;
  std::ostringstream out, err;
  int status = RunCli(static_cast<int>(args.size()), args.data(), env, out, err);
  return {status, out.str(), err.str()};
}

TEST(CliTest, VersionAndHelp) {
  EXPECT_EQ(RunGpubox({"--version"}).out, "gpubox 0.1.0\n");
  CliRun help = RunGpubox({"--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("offers"), std::string::npos);
  CliRun offers_help = RunGpubox({"help", "offers"});
  EXPECT_EQ(offers_help.status, 0);
  EXPECT_NE(offers_help.out.find("--max-price"), std::string::npos);
  EXPECT_EQ(RunGpubox({"help", "nope"}).status, 2);
}

TEST(CliTest, UsageErrorsAreOneLineAndExitTwo) {
  for (auto args : std::vector<std::vector<const char*>>{{"offers", "--gpu", "V100:0"},
                                                         {"offers", "--gpu", "Q9000"},
                                                         {"offers", "--max-price", "-1"},
                                                         {"offers", "--limit", "x"},
                                                         {"offers", "--region", "mars-1"},
                                                         {"offers", "--bogus"},
                                                         {"nope"},
                                                         {"offers", "--spot", "--on-demand"}}) {
    CliRun run = RunGpubox(args);
    EXPECT_EQ(run.status, 2) << args[1];
    EXPECT_TRUE(run.err.starts_with("gpubox: error: ")) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_TRUE(run.out.empty());
  }
}

TEST(CliTest, OffersJsonHasExactlyTheDocumentedKeys) {
  CliRun run = RunGpubox({"offers", "--gpu", "V100:8", "--spot", "--json", "--limit", "3"});
  ASSERT_EQ(run.status, 0) << run.err;
  auto rows = nlohmann::json::parse(run.out);
  ASSERT_EQ(rows.size(), 3u);
  std::vector<std::string> keys;
  for (auto& [key, value] : rows[0].items()) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"generation", "gpu_count", "gpu_mem_gib", "gpu_model",
                                            "instance_type", "market", "mem_gib", "price_usd_hr",
                                            "quota_code", "region", "spot_interruption", "vcpus"}));
  double last = 0;
  for (auto& row : rows) {
    EXPECT_EQ(row["market"], "spot");
    EXPECT_EQ(row["gpu_count"], 8);
    EXPECT_EQ(row["gpu_model"], "V100");
    EXPECT_GE(row["price_usd_hr"].get<double>(), last);
    last = row["price_usd_hr"].get<double>();
  }
}

TEST(CliTest, PreviousGenerationIsExplainedWithACurrentEquivalent) {
  CliRun run = RunGpubox({"offers", "--gpu", "K80"});
  ASSERT_EQ(run.status, 0);
  EXPECT_NE(run.out.find("p2.xlarge"), std::string::npos);
  EXPECT_NE(run.out.find("previous gen"), std::string::npos);
  EXPECT_NE(run.out.find("CUDA"), std::string::npos);
  EXPECT_NE(run.out.find("Current equivalent: g4dn.xlarge"), std::string::npos);
}

}  // namespace
}  // namespace gpubox
