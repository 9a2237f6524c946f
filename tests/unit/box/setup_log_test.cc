#include "gpubox/box/setup_log.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "gpubox/sys/real_file_system.h"
#include "unit/box/box_fakes.h"

namespace gpubox {
namespace {

class SetupLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gpubox-setup-log-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    env_.files = &files_;
    env_.processes = &processes_;
    env_.vars["HOME"] = dir_.string();
    paths_ = ResolvePaths(env_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& file, const std::string& text) {
    ASSERT_TRUE(files_.MakeDirs(paths_.setup_logs_dir()));
    ASSERT_TRUE(files_.WriteFile(paths_.setup_logs_dir() + "/" + file, text));
  }

  std::filesystem::path dir_;
  RealFileSystem files_;
  testing::FakeProcessRunner processes_{files_};
  Env env_;
  GpuboxPaths paths_;
};

TEST_F(SetupLogTest, CopiesAreNamedAfterTheBoxAndTheTimeInUtc) {
  EXPECT_EQ(SetupLogCopyPath(paths_, "d2l", 1440938160),
            paths_.state_dir + "/setup-logs/d2l-20150830T123600Z.log");
}

TEST_F(SetupLogTest, TheNewestCopyOfThatBoxOnly) {
  EXPECT_FALSE(LatestSetupLogCopy(env_, paths_, "d2l"));  // no directory yet
  Write("d2l-20260101T000000Z.log", "old");
  Write("d2l-20260301T000000Z.log", "new");
  Write("d2l-2-20270101T000000Z.log", "another box");
  Write("d2l-notes.log", "not a copy");
  auto newest = LatestSetupLogCopy(env_, paths_, "d2l");
  ASSERT_TRUE(newest);
  EXPECT_EQ(*newest, paths_.setup_logs_dir() + "/d2l-20260301T000000Z.log");
  EXPECT_EQ(*LatestSetupLogCopy(env_, paths_, "d2l-2"),
            paths_.setup_logs_dir() + "/d2l-2-20270101T000000Z.log");
}

TEST_F(SetupLogTest, ARunningBoxShowsItsOwnLogElseTheCopy) {
  BoxRecord box;
  box.name = "d2l";
  box.public_ip = "10.0.0.5";
  box.state = BoxState::kRunning;
  processes_.setup_log_ = "live log\n";
  auto live = FindSetupLog(env_, paths_, "d2l", box);
  ASSERT_TRUE(live) << live.error().message;
  EXPECT_EQ(live->text, "live log\n");
  EXPECT_EQ(live->source, "the box");
  box.state = BoxState::kSetupFailed;  // stopped: only the copy can tell
  EXPECT_FALSE(FindSetupLog(env_, paths_, "d2l", box));
  Write("d2l-20260101T000000Z.log", "copied log\n");
  auto copy = FindSetupLog(env_, paths_, "d2l", box);
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->text, "copied log\n");
  EXPECT_EQ(copy->source, paths_.setup_logs_dir() + "/d2l-20260101T000000Z.log");
  auto none = FindSetupLog(env_, paths_, "other", std::nullopt);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace gpubox
