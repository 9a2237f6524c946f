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

TEST_F(BoxStoreTest, StateAndMarketAreEnumsStoredAsReadableText) {
  {
    auto store = BoxStore::Open(path_);
    ASSERT_TRUE(store);
    BoxRecord box;
    box.name = "d2l";
    box.state = BoxState::kSettingUp;
    box.market = Market::kSpot;
    ASSERT_TRUE((*store)->Save(box));
  }
  auto db = SqliteDatabase::Open(path_, "test");
  ASSERT_TRUE(db);
  auto row = (*db)->Prepare("SELECT state, market FROM boxes WHERE name = 'd2l'");
  ASSERT_TRUE(row && *row->Next());
  EXPECT_EQ(row->Text(0), "setting-up");
  EXPECT_EQ(row->Text(1), "spot");
  auto loaded = (*BoxStore::Open(path_))->Load("d2l");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->state, BoxState::kSettingUp);
  EXPECT_EQ(loaded->market, Market::kSpot);
  for (BoxState state : {BoxState::kLaunching, BoxState::kSettingUp, BoxState::kRunning,
                         BoxState::kStopped, BoxState::kSetupFailed, BoxState::kOrphan}) {
    EXPECT_EQ(ParseBoxState(BoxStateName(state)), state);
  }
}

TEST_F(BoxStoreTest, ADatabaseMadeByAnOlderGpuboxGetsTheNewColumnsAndKeepsItsRows) {
  {
    // The tables as a gpubox without disk_gib and events.time_us made them.
    auto db = SqliteDatabase::Open(path_, "test");
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->Exec(
        "CREATE TABLE boxes (name TEXT PRIMARY KEY, cloud TEXT, endpoint TEXT, region TEXT,"
        " zone TEXT, instance_id TEXT, instance_type TEXT, market TEXT, price_usd_hr REAL,"
        " gpu TEXT, state TEXT, key_name TEXT, key_path TEXT, security_group_id TEXT,"
        " image_id TEXT, client_token TEXT, framework TEXT, public_ip TEXT, setup_phases TEXT,"
        " created_at INTEGER, running_since INTEGER, billed_seconds INTEGER);"
        "INSERT INTO boxes (name, market, state, price_usd_hr) VALUES"
        " ('old', 'on-demand', 'stopped', 0.5);"
        "CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER, box TEXT,"
        " kind TEXT, message TEXT);"
        "INSERT INTO events (time, box, kind, message) VALUES (7, 'old', 'up', 'requested');"));
  }
  auto store = BoxStore::Open(path_);
  ASSERT_TRUE(store) << store.error().message;
  auto old = (*store)->Load("old");
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_EQ(old->state, BoxState::kStopped);
  EXPECT_DOUBLE_EQ(old->price_usd_hr, 0.5);
  EXPECT_EQ(old->disk_gib, 0);
  EXPECT_EQ(old->failed_phase, "");
  BoxRecord updated = *old;
  updated.disk_gib = 64;
  updated.state = BoxState::kSetupFailed;
  updated.failed_phase = "conda";
  ASSERT_TRUE((*store)->Save(updated));
  EXPECT_EQ((*store)->Load("old")->disk_gib, 64);
  EXPECT_EQ((*store)->Load("old")->state, BoxState::kSetupFailed);
  EXPECT_EQ((*store)->Load("old")->failed_phase, "conda");
  auto events = (*store)->Events("old");
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].time_us, 7'000'000);  // older rows: the second, in microseconds
  ASSERT_TRUE((*store)->AddEvent({0, "old", "step", "ssh 0.4 s", 8'123'456}));
  EXPECT_EQ((*store)->Events("old")->back().time_us, 8'123'456);
  EXPECT_EQ((*store)->Events("old")->back().time, 8);
}

}  // namespace
}  // namespace gpubox
