#include "gpubox/box/setup_progress.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "unit/fakes/fake_clock.h"

namespace gpubox {
namespace {

class SetupProgressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gpubox-progress-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    store_ = std::move(*BoxStore::Open((dir_ / "gpubox.db").string()));
    env_.clock = &clock_;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Feed(SetupProgress& progress, const std::string& lines) {
    std::istringstream in(lines);
    for (std::string line; std::getline(in, line);) {
      progress.Line(line);
      clock_.Advance(100'000);
    }
  }
  SetupProgress Make() {
    return SetupProgress(out_, {"driver", "conda", "framework"}, env_, "b", *store_);
  }

  std::filesystem::path dir_;
  testing::FakeClock clock_;
  Env env_;
  std::unique_ptr<BoxStore> store_;
  std::ostringstream out_;
};

TEST_F(SetupProgressTest, AFailedPhaseShowsItsCommandAndItsLastLines) {
  SetupProgress progress = Make();
  Feed(progress,
       "gpubox-phase driver skip\n"
       "gpubox-phase conda start\n"
       "downloading\n"
       "https://repo.anaconda.com/x: Connection refused.\n"
       "gpubox-command-failed 4 wget -nv https://repo.anaconda.com/x -O /tmp/m.sh\n"
       "gpubox-command-failed 4 wget -nv ignored: only the first one counts\n"
       "gpubox-phase conda fail\n");
  EXPECT_EQ(progress.failed(), "conda");
  EXPECT_EQ(progress.Reason(), "`wget -nv https://repo.anaconda.com/x -O /tmp/m.sh` exited 4");
  EXPECT_EQ(progress.done(), std::vector<std::string>{"driver"});
  std::string shown = out_.str();
  EXPECT_NE(shown.find("gpubox: setup [1/3] driver: already done (skipped)\n"), std::string::npos);
  EXPECT_NE(shown.find("gpubox: setup [2/3] conda: FAILED (0.5 s): `wget -nv https://repo"),
            std::string::npos)
      << shown;
  EXPECT_NE(shown.find("gpubox:   | downloading\ngpubox:   | https://repo.anaconda.com/x: "
                       "Connection refused.\n"),
            std::string::npos)
      << shown;
  auto events = store_->Events("b");
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].message, "conda fail");
}

TEST_F(SetupProgressTest, AnOfflineBoxIsSaidInOneLineBeforeTheFailure) {
  SetupProgress progress = Make();
  Feed(progress,
       "gpubox-phase driver start\n"
       "gpubox-offline developer.download.nvidia.com no route off this box\n"
       "gpubox-command-failed 1 need_internet developer.download.nvidia.com\n"
       "gpubox-phase driver fail\n");
  EXPECT_EQ(progress.Reason(),
            "needs the internet (developer.download.nvidia.com), which this box cannot reach: "
            "no route off this box");
  std::string shown = out_.str();
  size_t offline = shown.find(
      "gpubox: setup [1/3] driver: needs the internet (developer.download.nvidia.com), which "
      "this box cannot reach: no route off this box; not trying\n");
  ASSERT_NE(offline, std::string::npos) << shown;
  EXPECT_LT(offline, shown.find("driver: FAILED"));
}

TEST_F(SetupProgressTest, RetriesAreShownAsTheyHappen) {
  SetupProgress progress = Make();
  Feed(progress,
       "gpubox-phase framework start\n"
       "gpubox-retry 2 4 5 1 pip install -q torch\n"
       "gpubox-phase framework done\n");
  EXPECT_NE(out_.str().find("gpubox: setup [3/3] framework: network error (`pip install -q "
                            "torch` exited 1); retrying in 5 s (try 2 of 4)\n"),
            std::string::npos)
      << out_.str();
  EXPECT_EQ(progress.failed(), "");
}

TEST_F(SetupProgressTest, ASessionThatDiesInAPhaseNamesThatPhaseAndKeepsOnlyTheLastLines) {
  SetupProgress progress = Make();
  std::string lines = "gpubox-phase driver start\n";
  for (int line_idx = 0; line_idx < 30; ++line_idx)
    lines += "line " + std::to_string(line_idx) + "\n";
  Feed(progress, lines);
  EXPECT_EQ(progress.failed(), "driver");
  EXPECT_EQ(progress.Reason(), "line 29");
  ASSERT_EQ(progress.tail().size(), SetupProgress::kTailLines);
  EXPECT_EQ(progress.tail().front(), "line 18");
}

}  // namespace
}  // namespace gpubox
