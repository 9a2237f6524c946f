// Nothing paid forgotten: the run ledger (what a box cost), and the inventory of every
// tagged resource with its orphans collected (ls --all-regions, gc).

#include "gpubox/box/inventory.h"

#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <set>
#include <sstream>

#include "gpubox/box/lifecycle.h"
#include "gpubox/box/provisioner.h"
#include "gpubox/box/run_ledger.h"
#include "gpubox/catalog/disk_price.h"
#include "gpubox/sys/real_file_system.h"
#include "unit/box/box_fakes.h"

namespace gpubox {
namespace {

using testing::FakeCloud;

/// g4dn.xlarge in us-east-1: $0.526/h on demand, $0.158/h spot.
Catalog OneTypeCatalog() {
  auto catalog = Catalog::Parse(
      "T\tg4dn.xlarge\tg4dn\tNVIDIA\tT4\t1\t16384\t4\t16384\tx86_64\tcurrent\n"
      "P\tg4dn.xlarge\tus-east-1\t0.526\t0.158\t<5%\n");
  return std::move(*catalog);
}

class InventoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gpubox-inventory-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    env_.clock = &clock_;
    env_.files = &files_;
    env_.processes = &processes_;
    env_.vars["HOME"] = dir_.string();
    paths_ = ResolvePaths(env_);
    store_ = std::move(*BoxStore::Open(paths_.database()));
    options_.name = "d2l";
    options_.caller_cidr = "192.0.2.7/32";
    options_.requirements.gpu.model = "T4";
    options_.requirements.regions = {"us-east-1"};
    options_.requirements.spot = false;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  BoxRecord Up() {
    auto box = Provisioner(env_, cloud_, *store_, catalog_, paths_, progress_).Up(options_);
    EXPECT_TRUE(box) << box.error().message;
    return *box;
  }
  Lifecycle MakeLifecycle() { return Lifecycle(env_, cloud_, *store_, paths_, progress_); }
  std::vector<RegionInventory> Take(BoxStore& store) {
    auto taken = Inventory(env_, cloud_, store, catalog_).Take(cloud_.regions_, false);
    EXPECT_TRUE(taken) << taken.error().message;
    return *taken;
  }
  static std::vector<const TaggedResource*> All(const std::vector<RegionInventory>& inventory) {
    std::vector<const TaggedResource*> all;
    for (const RegionInventory& region : inventory) {
      for (const TaggedResource& resource : region.resources) all.push_back(&resource);
    }
    return all;
  }
  static const TaggedResource* Find(const std::vector<RegionInventory>& inventory,
                                    ResourceKind kind) {
    for (const TaggedResource* resource : All(inventory)) {
      if (resource->kind == kind) return resource;
    }
    return nullptr;
  }
  size_t IndexOf(const std::string& prefix) const {
    for (size_t idx = 0; idx < cloud_.calls_.size(); ++idx) {
      if (cloud_.calls_[idx].starts_with(prefix)) return idx;
    }
    return cloud_.calls_.size();
  }

  std::filesystem::path dir_;
  testing::FakeClock clock_{1798761600LL * 1000000};
  RealFileSystem files_;
  testing::FakeProcessRunner processes_{files_};
  Env env_;
  GpuboxPaths paths_;
  std::unique_ptr<BoxStore> store_;
  Catalog catalog_ = OneTypeCatalog();
  FakeCloud cloud_;
  std::ostringstream progress_;
  UpOptions options_;
};

TEST_F(InventoryTest, RunIntervalsBillRunningTimeAndTheDiskAcrossStopAndStart) {
  BoxRecord box = Up();
  ASSERT_EQ(box.price_usd_hr, 0.526);
  clock_.Advance(3600LL * 1'000'000);
  Lifecycle lifecycle = MakeLifecycle();
  ASSERT_TRUE(lifecycle.Stop("d2l"));
  clock_.Advance(7200LL * 1'000'000);  // stopped: only the disk bills
  ASSERT_TRUE(lifecycle.Start("d2l", 1000));
  clock_.Advance(1800LL * 1'000'000);
  auto rows = lifecycle.List();
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  const BoxListing& row = rows->front();
  // (setup's own waits on the fake clock are part of the first run: a minute at most)
  EXPECT_NEAR(row.cost.running_hours, 1.5, 0.02);
  EXPECT_NEAR(row.cost_usd, row.cost.running_hours * 0.526, 1e-9);
  double disk_hourly = box.disk_gib * DiskUsdPerGibMonth("us-east-1") / kHoursPerMonth;
  EXPECT_NEAR(row.cost.disk_usd, 3.5 * disk_hourly, 0.02 * disk_hourly);  // 1 h + 2 h + 0.5 h
  double first_run_hours = row.cost.running_hours - 0.5;
  EXPECT_FALSE(row.budget_left.usd);

  // The cloud stopped it by itself (an idle stop inside, an interruption) 300 s ago: ls
  // closes the interval at the cloud's transition time, not when it looked.
  clock_.Advance(600LL * 1'000'000);
  int64_t now = clock_.NowMicros() / 1'000'000;
  std::time_t stopped_at = now - 300;
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", std::gmtime(&stopped_at));
  aws::Instance& instance = cloud_.instances_.at(box.instance_id);
  instance.state = {80, "stopped"};
  instance.state_transition_reason = std::string("User initiated (") + stamp + " GMT)";
  rows = lifecycle.List();
  ASSERT_TRUE(rows);
  EXPECT_NEAR(rows->front().cost.running_hours, first_run_hours + 0.5 + 300 / 3600.0, 1e-9)
      << "closed at the transition";
  auto intervals = store_->Intervals("d2l");
  ASSERT_TRUE(intervals);
  int instance_intervals = 0;
  for (const RunInterval& interval : *intervals) {
    if (interval.kind == IntervalKind::kDisk) {
      EXPECT_EQ(interval.end, 0) << "the disk bills on while it exists";
      continue;
    }
    ++instance_intervals;
    EXPECT_NE(interval.end, 0) << "no interval left open once stopped";
  }
  EXPECT_EQ(instance_intervals, 2);

  BoxRecord budgeted = *store_->Load("d2l");
  budgeted.max_cost_usd = 2.0;
  budgeted.max_hours = 10;
  ASSERT_TRUE(store_->Save(budgeted));
  rows = lifecycle.List();
  ASSERT_TRUE(rows && rows->front().budget_left.usd && rows->front().budget_left.hours);
  EXPECT_NEAR(*rows->front().budget_left.usd, 2.0 - rows->front().cost.compute_usd, 1e-9);
  EXPECT_NEAR(*rows->front().budget_left.hours, 10 - rows->front().cost.running_hours, 1e-9);
  EXPECT_EQ(store_->Load("d2l")->max_cost_usd, 2.0) << "a budget survives the store";

  auto plan = lifecycle.PlanDown("d2l");
  ASSERT_TRUE(plan && lifecycle.Down(*plan, "d2l"));
  intervals = store_->Intervals("d2l");
  ASSERT_TRUE(intervals);
  for (const RunInterval& interval : *intervals) EXPECT_NE(interval.end, 0);
  EXPECT_GT(CostOf("d2l", *intervals, 0).compute_usd, 0) << "what a deleted box spent stays";
}

TEST_F(InventoryTest, UpKeepsTheBudgetTheAgentEnforcesForLsAndCost) {
  options_.agent.max_cost_usd = 5;
  options_.agent.max_hours = 8;
  Up();
  auto rows = MakeLifecycle().List();
  ASSERT_TRUE(rows && rows->size() == 1u);
  EXPECT_EQ(rows->front().box.max_cost_usd, 5.0);
  ASSERT_TRUE(rows->front().budget_left.usd && rows->front().budget_left.hours);
  EXPECT_NEAR(*rows->front().budget_left.usd, 5.0, 1e-9);
  EXPECT_NEAR(*rows->front().budget_left.hours, 8.0, 1e-9);
}

TEST_F(InventoryTest, KnownResourcesAreNoOrphansAndAForgottenStoreMakesThemAllOrphans) {
  Up();
  auto image = MakeLifecycle().MakeImage("d2l", "d2l-baked");
  ASSERT_TRUE(image) << image.error().message;

  auto known = Take(*store_);
  std::set<ResourceKind> kinds;
  for (const TaggedResource* resource : All(known)) {
    kinds.insert(resource->kind);
    EXPECT_FALSE(resource->orphan) << ResourceKindName(resource->kind) << " " << resource->id;
    EXPECT_EQ(resource->region, "us-east-1");
  }
  EXPECT_EQ(kinds, (std::set<ResourceKind>{ResourceKind::kInstance, ResourceKind::kVolume,
                                           ResourceKind::kImage, ResourceKind::kSnapshot,
                                           ResourceKind::kKeyPair, ResourceKind::kSecurityGroup}));
  const TaggedResource* instance = Find(known, ResourceKind::kInstance);
  EXPECT_NEAR(instance->monthly_usd, 0.526 * 730, 1e-9);
  const TaggedResource* volume = Find(known, ResourceKind::kVolume);
  EXPECT_GT(volume->monthly_usd, 0) << "its GiB at the gp3 rate";
  const TaggedResource* baked = Find(known, ResourceKind::kImage);
  EXPECT_NEAR(baked->monthly_usd, volume->monthly_usd / 0.08 * 0.05, 1e-9)
      << "its snapshot's GiB at the snapshot rate";
  EXPECT_EQ(Find(known, ResourceKind::kSnapshot)->monthly_usd, 0) << "counted in its image";

  // The laptop's database is gone: every resource is still found, all of them orphans.
  auto forgotten = BoxStore::Open(":memory:");
  ASSERT_TRUE(forgotten);
  auto orphans = Take(**forgotten);
  ASSERT_EQ(All(orphans).size(), All(known).size());
  for (const TaggedResource* resource : All(orphans)) {
    EXPECT_TRUE(resource->orphan) << ResourceKindName(resource->kind) << " " << resource->id;
  }
  EXPECT_NEAR(Find(orphans, ResourceKind::kInstance)->monthly_usd, 0.526 * 730, 1e-9)
      << "the catalog's price when the store does not know it";

  cloud_.calls_.clear();
  std::ostringstream progress;
  GcReport report = Inventory(env_, cloud_, **forgotten, catalog_).Collect(orphans, progress);
  EXPECT_TRUE(report.failures.empty()) << report.failures.front();
  EXPECT_EQ(report.deleted, static_cast<int>(All(orphans).size())) << progress.str();
  EXPECT_LT(IndexOf("TerminateInstances"), IndexOf("DeleteSecurityGroup"));
  EXPECT_LT(IndexOf("DeregisterImage"), IndexOf("DeleteSnapshot"));
  EXPECT_LT(IndexOf("DeleteSnapshot"), cloud_.calls_.size()) << "the image's snapshot too";
  EXPECT_LT(IndexOf("DeleteKeyPair"), cloud_.calls_.size());
  EXPECT_EQ(All(Take(**forgotten)).size(), 0u) << "nothing tagged is left";
  EXPECT_EQ(cloud_.LiveInstances(), 0);
}

TEST_F(InventoryTest, GcCancelsAnOrphanSpotBoxsRequestBeforeTerminatingIt) {
  options_.requirements.on_demand = false;
  options_.requirements.spot = true;
  BoxRecord box = Up();
  ASSERT_EQ(box.market, Market::kSpot);
  ASSERT_TRUE(store_->Delete("d2l"));
  auto taken = Take(*store_);
  const TaggedResource* instance = Find(taken, ResourceKind::kInstance);
  ASSERT_TRUE(instance && instance->orphan);
  EXPECT_NEAR(instance->monthly_usd, 0.158 * 730, 1e-9) << "the spot price";
  ASSERT_NE(Find(taken, ResourceKind::kSpotRequest), nullptr);
  cloud_.calls_.clear();
  std::ostringstream progress;
  GcReport report = Inventory(env_, cloud_, *store_, catalog_).Collect(taken, progress);
  EXPECT_TRUE(report.failures.empty());
  EXPECT_LT(IndexOf("CancelSpotInstanceRequests"), IndexOf("TerminateInstances"));
  EXPECT_EQ(cloud_.LiveInstances(), 0);
}

TEST_F(InventoryTest, AnImageKeptByTheStoreOutlivesItsBoxAndAnOrphanSnapshotIsDeleted) {
  Up();
  auto image = MakeLifecycle().MakeImage("d2l", "d2l-baked");
  ASSERT_TRUE(image);
  auto plan = MakeLifecycle().PlanDown("d2l");
  ASSERT_TRUE(plan && MakeLifecycle().Down(*plan, "d2l"));
  // A snapshot left by an image deregistered elsewhere (EC2 keeps it, and bills it).
  aws::Snapshot stray;
  stray.snapshot_id = "snap-stray";
  stray.volume_size = 50;
  stray.description = "Created by CreateImage(i-9) for ami-gone";
  stray.tags = {{kBoxTag, "old"}};
  cloud_.snapshots_[stray.snapshot_id] = stray;
  cloud_.snapshot_region_[stray.snapshot_id] = "us-east-1";

  auto taken = Take(*store_);
  std::vector<std::string> orphans;
  for (const TaggedResource* resource : All(taken)) {
    if (resource->orphan) orphans.push_back(resource->id);
  }
  EXPECT_EQ(orphans, std::vector<std::string>{"snap-stray"});
  EXPECT_GT(Find(taken, ResourceKind::kImage)->monthly_usd, 0)
      << "the image the store keeps is listed with its cost";
  std::ostringstream progress;
  GcReport report = Inventory(env_, cloud_, *store_, catalog_).Collect(taken, progress);
  EXPECT_EQ(report.deleted, 1);
  EXPECT_EQ(cloud_.snapshots_.count("snap-stray"), 0u);
  EXPECT_EQ(cloud_.images_.count(*image), 1u) << "the baked image is the user's";
}

}  // namespace
}  // namespace gpubox
