#include "gpubox/sys/real_process_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace gpubox {
namespace {

TEST(RealProcessRunnerTest, CapturesOutputErrorAndExitCode) {
  RealProcessRunner runner;
  auto result = runner.Run({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->out, "out\n");
  EXPECT_EQ(result->err, "err\n");
  EXPECT_EQ(result->exit_code, 3);
}

TEST(RealProcessRunnerTest, FeedsStdin) {
  RealProcessRunner runner;
  std::string big(200000, 'x');
  auto result = runner.Run({"wc", "-c"}, {.stdin_text = big});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->out, "200000\n");
}

TEST(RealProcessRunnerTest, KillsTheGroupOnTimeout) {
  RealProcessRunner runner;
  auto start = std::chrono::steady_clock::now();
  auto result =
      runner.Run({"sh", "-c", "sleep 30 & sleep 30"}, {.stdin_text = "", .timeout_ms = 200});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->exit_code, 137);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(RealProcessRunnerTest, KillsTheGroupWhenCancelled) {
  RealProcessRunner runner;
  std::atomic<bool> cancel{false};
  std::thread canceller([&cancel] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel = true;
  });
  auto start = std::chrono::steady_clock::now();
  auto result = runner.Run({"sh", "-c", "sleep 30 & sleep 30"}, {.cancel = &cancel});
  canceller.join();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->exit_code, 137);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(RealProcessRunnerTest, MissingProgramIsAnEnvironmentError) {
  RealProcessRunner runner;
  auto result = runner.Run({"/nonexistent/gpubox-no-such-program"});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kEnvironment);
}

}  // namespace
}  // namespace gpubox
