#include "gpubox/state/box_store.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace gpubox {
namespace {

class BoxStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gpubox-store-test-" + std::to_string(::getpid()));
    path_ = (dir_ / "state" / "gpubox.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(BoxStoreTest, SavesLoadsListsAndDeletesBoxesAcrossReopen) {
  {
    auto store = BoxStore::Open(path_);
    ASSERT_TRUE(store) << store.error().message;
    BoxRecord box;
    box.name = "d2l";
    box.cloud = "local";
    box.instance_id = "i-0123";
    box.price_usd_hr = 0.526;
    box.billed_seconds = 42;
    box.disk_gib = 64;
    ASSERT_TRUE((*store)->Save(box));
    box.name = "a-first";
    ASSERT_TRUE((*store)->Save(box));
  }
  auto store = BoxStore::Open(path_);
  ASSERT_TRUE(store);
  auto loaded = (*store)->Load("d2l");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->instance_id, "i-0123");
  EXPECT_DOUBLE_EQ(loaded->price_usd_hr, 0.526);
  EXPECT_EQ(loaded->billed_seconds, 42);
  EXPECT_EQ(loaded->disk_gib, 64);
  auto boxes = (*store)->List();
  ASSERT_EQ(boxes->size(), 2u);
  EXPECT_EQ((*boxes)[0].name, "a-first");
  ASSERT_TRUE((*store)->Delete("d2l"));
  auto gone = (*store)->Load("d2l");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

TEST_F(BoxStoreTest, AttemptsAndEventsKeepTheirOrder) {
  auto store = BoxStore::Open(path_);
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->AddAttempt({"d2l", 1, "g4dn.xlarge", "us-east-1", "us-east-1a", "spot", 0.2,
                                    "InsufficientInstanceCapacity", "none left"}));
  ASSERT_TRUE((*store)->AddAttempt(
      {"d2l", 2, "g4dn.xlarge", "us-east-1", "us-east-1b", "spot", 0.2, "launched", ""}));
  ASSERT_TRUE((*store)->AddEvent({5, "d2l", "up", "started"}));
  ASSERT_TRUE((*store)->AddEvent({6, "other", "up", "x"}));
  auto attempts = (*store)->Attempts("d2l");
  ASSERT_EQ(attempts->size(), 2u);
  EXPECT_EQ((*attempts)[0].outcome, "InsufficientInstanceCapacity");
  EXPECT_EQ((*attempts)[1].zone, "us-east-1b");
  EXPECT_EQ((*store)->Events("d2l")->size(), 1u);
  EXPECT_EQ((*store)->Events("")->size(), 2u);
}

}  // namespace
}  // namespace gpubox
