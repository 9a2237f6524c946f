// Two commands on one box are ordered by the box's lock file (real files, real flock);
// other boxes never wait. The wait is bounded by the command's deadline (a fake clock).

#include "gpubox/box/box_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "gpubox/sys/real_file_system.h"
#include "unit/fakes/fake_clock.h"

namespace gpubox {
namespace {

class BoxLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("gpubox-box-lock-" + std::to_string(::getpid()));
    paths_.state_dir = dir_.string();
    env_.files = &files_;
    env_.clock = &clock_;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  GpuboxPaths paths_;
  RealFileSystem files_;
  testing::FakeClock clock_;
  Env env_;
  std::ostringstream progress_;
};

TEST_F(BoxLockTest, ASecondCommandOnTheBoxWaitsForTheFirstThenGoes) {
  int64_t deadline = clock_.NowMicros() + 2'000'000;
  std::optional<LockFile> first;
  {
    auto lock = LockBox(env_, paths_, "d2l", deadline, progress_);
    ASSERT_TRUE(lock) << lock.error().message;
    first.emplace(std::move(*lock));
  }
  EXPECT_EQ(progress_.str(), "");
  // Another box is not held up.
  ASSERT_TRUE(LockBox(env_, paths_, "other", deadline, progress_));
  // The same box: waits (saying for whom) until the deadline, then says it is busy.
  auto second = LockBox(env_, paths_, "d2l", deadline, progress_);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::kEnvironment);
  std::string pid = std::to_string(::getpid());
  EXPECT_NE(second.error().message.find("d2l is busy"), std::string::npos);
  EXPECT_NE(second.error().message.find("pid " + pid), std::string::npos);
  EXPECT_NE(second.error().hint.find("--timeout"), std::string::npos);
  EXPECT_EQ(progress_.str(),
            "gpubox: waiting for another gpubox command (pid " + pid + ") on d2l to finish\n");
  EXPECT_LE(clock_.NowMicros(), deadline);
  EXPECT_GE(clock_.sleeps_micros_.size(), 10u);  // it polled
  // Once the first command ends, the next one gets the box.
  first.reset();
  EXPECT_TRUE(LockBox(env_, paths_, "d2l", clock_.NowMicros() + 1'000'000, progress_));
}

}  // namespace
}  // namespace gpubox
