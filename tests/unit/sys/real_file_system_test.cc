#include "gpubox/sys/real_file_system.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>

namespace gpubox {
namespace {

class RealFileSystemTest : public testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/gpubox-fs-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  RealFileSystem fs_;
  std::string dir_;
};

TEST_F(RealFileSystemTest, WritesReadsListsAndRemoves) {
  ASSERT_TRUE(fs_.MakeDirs(dir_ + "/a/b"));
  ASSERT_TRUE(fs_.WriteFile(dir_ + "/a/b/f", "hello", 0600));
  EXPECT_EQ(fs_.ReadFile(dir_ + "/a/b/f").value(), "hello");
  struct stat info;
  ASSERT_EQ(stat((dir_ + "/a/b/f").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(fs_.ListDir(dir_ + "/a/b").value(), std::vector<std::string>{"f"});
  ASSERT_TRUE(fs_.Remove(dir_ + "/a/b/f"));
  ASSERT_TRUE(fs_.Remove(dir_ + "/a/b/f"));
  EXPECT_FALSE(fs_.Exists(dir_ + "/a/b/f"));
  ASSERT_TRUE(fs_.Remove(dir_ + "/a/b"));
  EXPECT_FALSE(fs_.Exists(dir_ + "/a/b"));
}

TEST_F(RealFileSystemTest, MissingFileIsNotFound) {
  auto result = fs_.ReadFile(dir_ + "/missing");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace gpubox
