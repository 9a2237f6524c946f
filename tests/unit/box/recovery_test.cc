// Spot boxes: persistent requests, down cancelling them first, and recover.

#include "gpubox/box/recovery.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "gpubox/box/instance_facts.h"
#include "gpubox/box/lifecycle.h"
#include "gpubox/box/provisioner.h"
#include "gpubox/sys/real_file_system.h"
#include "unit/box/box_fakes.h"

namespace gpubox {
namespace {

using testing::FakeCloud;

/// g4dn.xlarge with a spot price in us-east-1 only.
Catalog SpotCatalog() {
  auto catalog = Catalog::Parse(
      "T\tg4dn.xlarge\tg4dn\tNVIDIA\tT4\t1\t16384\t4\t16384\tx86_64\tcurrent\n"
      "P\tg4dn.xlarge\tus-east-1\t0.526\t0.158\t<5%\n");
  return std::move(*catalog);
}

class SpotBoxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gpubox-spot-" + std::to_string(getpid()) + "-" +
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
    options_.requirements.on_demand = false;
    options_.requirements.regions = {"us-east-1"};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  BoxRecord Up() {
    auto box = Provisioner(env_, cloud_, *store_, catalog_, paths_, progress_).Up(options_);
    EXPECT_TRUE(box) << box.error().message;
    return *box;
  }
  /// What the spot service does on an interruption: the instance stopped, its request disabled.
  void Interrupt(const std::string& id) {
    aws::Instance& instance = cloud_.instances_.at(id);
    instance.state = {80, "stopped"};
    instance.state_reason = {"Server.SpotInstanceShutdown", "Spot Instance interrupted"};
    instance.state_transition_reason = "Service initiated (2027-01-01 00:00:00 GMT)";
    aws::SpotInstanceRequest& request = cloud_.spot_requests_.at(instance.spot_instance_request_id);
    request.state = "disabled";
    request.status.code = "instance-stopped-no-capacity";
  }
  size_t IndexOf(const std::string& call) const {
    return std::find(cloud_.calls_.begin(), cloud_.calls_.end(), call) - cloud_.calls_.begin();
  }

  std::filesystem::path dir_;
  testing::FakeClock clock_{1798761600LL * 1000000};
  RealFileSystem files_;
  testing::FakeProcessRunner processes_{files_};
  Env env_;
  GpuboxPaths paths_;
  std::unique_ptr<BoxStore> store_;
  Catalog catalog_ = SpotCatalog();
  FakeCloud cloud_;
  std::ostringstream progress_;
  UpOptions options_;
};

TEST_F(SpotBoxTest, SpotIsAPersistentRequestThatStopsStopsAndStartsAndDownCancelsItFirst) {
  BoxRecord box = Up();
  EXPECT_EQ(box.market, Market::kSpot);
  const aws::Instance& instance = cloud_.instances_.at(box.instance_id);
  const aws::SpotInstanceRequest& request =
      cloud_.spot_requests_.at(instance.spot_instance_request_id);
  EXPECT_EQ(request.type, "persistent");
  EXPECT_EQ(request.instance_interruption_behavior, "stop");
  Lifecycle lifecycle(env_, cloud_, *store_, paths_, progress_);
  ASSERT_TRUE(lifecycle.Stop("d2l"));
  ASSERT_TRUE(lifecycle.Start("d2l"));
  auto plan = lifecycle.PlanDown("d2l");
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->spot);
  ASSERT_TRUE(lifecycle.Down(*plan, "d2l"));
  size_t cancel = IndexOf("CancelSpotInstanceRequests " + request.spot_instance_request_id);
  ASSERT_LT(cancel, cloud_.calls_.size());
  EXPECT_LT(cancel, IndexOf("TerminateInstances " + box.instance_id));
  EXPECT_EQ(cloud_.spot_requests_.at(request.spot_instance_request_id).state, "cancelled");
  EXPECT_EQ(cloud_.LiveInstances(), 0);
}

TEST_F(SpotBoxTest, ListShowsAnInterruptedBoxWithSinceWhen) {
  BoxRecord box = Up();
  Interrupt(box.instance_id);
  Lifecycle lifecycle(env_, cloud_, *store_, paths_, progress_);
  auto rows = lifecycle.List();
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].interrupted_since, 1798761600);  // 2027-01-01 00:00:00 UTC
  auto started = lifecycle.Start("d2l");  // the fake starts it; EC2 refuses (e2e checks that)
  (void)started;
}

TEST_F(SpotBoxTest, RecoverRelaunchesFromItsDiskElsewhereAndRetiresTheOldInstance) {
  BoxRecord box = Up();
  std::string old_id = box.instance_id;
  std::string old_request = cloud_.instances_.at(old_id).spot_instance_request_id;
  Interrupt(old_id);
  cloud_.no_capacity_.insert("g4dn.xlarge/us-east-1a");
  Recovery recovery(env_, cloud_, *store_, catalog_, paths_, progress_);
  auto recovered = recovery.Recover("d2l", {});
  ASSERT_TRUE(recovered) << recovered.error().message << "\n" << progress_.str();
  EXPECT_NE(recovered->instance_id, old_id);
  EXPECT_EQ(recovered->zone, "us-east-1b");
  EXPECT_EQ(recovered->state, BoxState::kRunning);
  EXPECT_TRUE(recovered->recovering_from.empty());
  EXPECT_EQ(cloud_.LiveInstances(), 1);
  const aws::Instance& fresh = cloud_.instances_.at(recovered->instance_id);
  EXPECT_TRUE(fresh.image_id.starts_with("ami-"));
  EXPECT_NE(fresh.image_id, box.image_id);  // launched from the old disk's image
  EXPECT_LT(IndexOf("CreateImage " + old_id + " gpubox-recover-d2l-" + old_id),
            IndexOf("TerminateInstances " + old_id));
  EXPECT_LT(IndexOf("CancelSpotInstanceRequests " + old_request),
            IndexOf("TerminateInstances " + old_id));
  EXPECT_LT(IndexOf("DeregisterImage " + fresh.image_id), cloud_.calls_.size());
  EXPECT_EQ(store_->Load("d2l")->instance_id, recovered->instance_id);
  EXPECT_EQ(store_->Load("d2l")->image_id, box.image_id);
  auto events = store_->Events("d2l");
  int recover_events = 0;
  for (const EventRecord& event : *events) recover_events += event.kind == "recover";
  EXPECT_GE(recover_events, 5);
  // Nothing left to do: a second recover finds the box running.
  auto again = recovery.Recover("d2l", {});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->instance_id, recovered->instance_id);
}

TEST_F(SpotBoxTest, ARecoveryCutShortResumesWithTheSameImageAndInstance) {
  BoxRecord box = Up();
  std::string old_id = box.instance_id;
  Interrupt(old_id);
  // A first run got as far as the image and the launch, then died.
  box.recovering_from = old_id;
  box.recovery_image = *cloud_.CreateImage("us-east-1", old_id, "gpubox-recover-d2l-" + old_id,
                                           {{"gpubox:box", "d2l"}});
  ASSERT_TRUE(store_->Save(box));
  aws::RunInstancesRequest launched;
  launched.instance_type = "g4dn.xlarge";
  launched.placement = aws::Placement{"us-east-1c", {}, {}};
  launched.tag_specifications = {{"instance", {{"gpubox:box", "d2l"}}}};
  std::string new_id = cloud_.RunInstance("us-east-1", launched)->instance_id;
  Recovery recovery(env_, cloud_, *store_, catalog_, paths_, progress_);
  auto recovered = recovery.Recover("d2l", {});
  ASSERT_TRUE(recovered) << recovered.error().message;
  EXPECT_EQ(recovered->instance_id, new_id);
  EXPECT_EQ(cloud_.LiveInstances(), 1);
  EXPECT_EQ(std::count_if(cloud_.calls_.begin(), cloud_.calls_.end(),
                          [](const std::string& call) { return call.starts_with("CreateImage"); }),
            1);
}

TEST(InstanceFactsTest, TransitionTimeReadsBothClouds) {
  aws::Instance instance;
  instance.state_transition_reason = "User initiated (2027-01-01 00:00:10 GMT)";
  EXPECT_EQ(TransitionTime(instance), 1798761610);
  instance.state_transition_reason = "Service initiated (2027-01-01T00:01:00 GMT)";
  EXPECT_EQ(TransitionTime(instance), 1798761660);
  instance.state_transition_reason = "";
  EXPECT_EQ(TransitionTime(instance), 0);
}

}  // namespace
}  // namespace gpubox
