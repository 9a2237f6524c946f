#include "gpubox/box/provisioner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "gpubox/box/lifecycle.h"
#include "gpubox/box/recovery.h"
#include "gpubox/box/setup_log.h"
#include "gpubox/sys/real_file_system.h"
#include "unit/box/box_fakes.h"

namespace gpubox {
namespace {

using testing::FakeCloud;

/// A catalog with two T4 types and a V100, in the fake cloud's regions.
Catalog TestCatalog() {
  auto catalog = Catalog::Parse(
      "T\tg4dn.xlarge\tg4dn\tNVIDIA\tT4\t1\t16384\t4\t16384\tx86_64\tcurrent\n"
      "T\tg4dn.2xlarge\tg4dn\tNVIDIA\tT4\t1\t16384\t8\t32768\tx86_64\tcurrent\n"
      "T\tp3.2xlarge\tp3\tNVIDIA\tV100\t1\t16384\t8\t62464\tx86_64\tcurrent\n"
      "P\tg4dn.xlarge\tus-east-1\t0.526\t-\t-\n"
      "P\tg4dn.xlarge\teu-west-1\t0.587\t-\t-\n"
      "P\tg4dn.2xlarge\tus-east-1\t0.752\t-\t-\n"
      "P\tp3.2xlarge\tus-west-2\t3.06\t-\t-\n"
      "P\tp3.2xlarge\tus-east-1\t3.06\t-\t-\n");
  return std::move(*catalog);
}

class ProvisionerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gpubox-prov-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    env_.clock = &clock_;
    env_.files = &files_;
    env_.processes = &processes_;
    env_.random = &random_;
    env_.vars["HOME"] = dir_.string();
    paths_ = ResolvePaths(env_);
    store_ = std::move(*BoxStore::Open(paths_.database()));
    options_.name = "d2l";
    options_.caller_cidr = "192.0.2.7/32";
    options_.requirements.gpu.model = "T4";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Provisioner MakeProvisioner() {
    return Provisioner(env_, cloud_, *store_, catalog_, paths_, progress_);
  }
  int Count(const std::string& prefix) const {
    return static_cast<int>(std::count_if(cloud_.calls_.begin(), cloud_.calls_.end(),
                                          [&](auto& call) { return call.starts_with(prefix); }));
  }

  std::filesystem::path dir_;
  testing::FakeClock clock_;
  testing::FakeRandom random_{{0.1, 0.7, 0.3, 0.9}};
  RealFileSystem files_;
  testing::FakeProcessRunner processes_{files_};
  Env env_;
  GpuboxPaths paths_;
  std::unique_ptr<BoxStore> store_;
  Catalog catalog_ = TestCatalog();
  FakeCloud cloud_;
  std::ostringstream progress_;
  UpOptions options_;
};

TEST_F(ProvisionerTest, UpLaunchesTheCheapestOfferWithTokenTagsAndSshFromTheCallerOnly) {
  auto box = MakeProvisioner().Up(options_);
  ASSERT_TRUE(box) << box.error().message;
  EXPECT_EQ(box->instance_type, "g4dn.xlarge");
  EXPECT_EQ(box->region, "us-east-1");
  EXPECT_EQ(box->zone, "us-east-1a");
  EXPECT_EQ(box->state, BoxState::kRunning);
  EXPECT_EQ(box->setup_phases, "driver,environment,framework,notebooks,gpu-check,agent");
  ASSERT_EQ(cloud_.LiveInstances(), 1);
  const aws::Instance& instance = cloud_.instances_.begin()->second;
  EXPECT_TRUE(instance.client_token.starts_with("gpubox-"));
  EXPECT_EQ(instance.tags[0].key, "gpubox:box");
  EXPECT_EQ(instance.tags[0].value, "d2l");
  EXPECT_EQ(Count("AuthorizeIngress sg-"), 1);
  EXPECT_NE(std::find(cloud_.calls_.begin(), cloud_.calls_.end(),
                      "AuthorizeIngress " + box->security_group_id + " tcp/22 192.0.2.7/32"),
            cloud_.calls_.end());
  EXPECT_TRUE(std::filesystem::exists(box->key_path));
  EXPECT_EQ(std::filesystem::status(box->key_path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(ProvisionerTest, TheLaunchCarriesTheAgentsSettingsAndTheShutdownBehavior) {
  ASSERT_TRUE(MakeProvisioner().Up(options_));
  EXPECT_EQ(cloud_.last_run_.instance_initiated_shutdown_behavior, "stop");
  std::string user_data = cloud_.last_run_.user_data.value_or("");
  EXPECT_NE(user_data.find("idle_stop_s=3600\nidle_warn_s=300\nidle_terminate=0\nprice_hr=0.526\n"),
            std::string::npos)
      << user_data.substr(0, 300);
  options_.name = "d2l-2";
  options_.agent = {90, 10, true, 5, 0, 1};
  ASSERT_TRUE(MakeProvisioner().Up(options_));
  EXPECT_EQ(cloud_.last_run_.instance_initiated_shutdown_behavior, "terminate");
  user_data = cloud_.last_run_.user_data.value_or("");
  for (const char* line : {"idle_stop_s=90\n", "idle_warn_s=10\n", "idle_terminate=1\n",
                           "max_cost=5\n", "max_hours=0\n", "idle_poll_s=1\n"}) {
    EXPECT_NE(user_data.find(line), std::string::npos) << line;
  }
}

TEST_F(ProvisionerTest, CapacityFailsOverToTheNextZoneThenTheNextOffer) {
  for (const char* zone : {"us-east-1a", "us-east-1b", "us-east-1c"}) {
    cloud_.no_capacity_.insert(std::string("g4dn.xlarge/") + zone);
  }
  cloud_.no_capacity_.insert("g4dn.xlarge/eu-west-1a");
  auto box = MakeProvisioner().Up(options_);
  ASSERT_TRUE(box) << box.error().message;
  EXPECT_EQ(box->zone, "eu-west-1b");
  EXPECT_EQ(cloud_.LiveInstances(), 1);
  auto attempts = store_->Attempts("d2l");
  ASSERT_EQ(attempts->size(), 5u);
  EXPECT_EQ((*attempts)[0].outcome, "InsufficientInstanceCapacity");
  EXPECT_EQ((*attempts)[4].outcome, "launched");
}

TEST_F(ProvisionerTest, ARegionWithoutQuotaIsSkippedWithTheExactIncrease) {
  options_.requirements.gpu.model = "V100";
  cloud_.quota_["us-east-1/L-417A185B"] = 0;
  auto box = MakeProvisioner().Up(options_);
  ASSERT_TRUE(box) << box.error().message;
  EXPECT_EQ(box->region, "us-west-2");
  EXPECT_NE(progress_.str().find("request an increase to 8 (quota L-417A185B, region us-east-1)"),
            std::string::npos)
      << progress_.str();
}

TEST_F(ProvisionerTest, AllFailingListsEveryAttemptAndLeavesNothing) {
  for (const char* type : {"g4dn.xlarge", "g4dn.2xlarge"}) {
    for (const char* region : {"us-east-1", "eu-west-1"}) {
      for (const char* zone : {"a", "b", "c"}) {
        cloud_.no_capacity_.insert(std::string(type) + "/" + region + zone);
      }
    }
  }
  auto box = MakeProvisioner().Up(options_);
  ASSERT_FALSE(box);
  EXPECT_EQ(box.error().code, ErrorCode::kNoCapacity);
  EXPECT_NE(box.error().message.find("9 attempts"), std::string::npos) << box.error().message;
  EXPECT_EQ(cloud_.LiveInstances(), 0);
  EXPECT_TRUE(cloud_.key_pairs_.empty());
  EXPECT_TRUE(cloud_.groups_.empty());
  EXPECT_FALSE(store_->Load("d2l"));
}

TEST_F(ProvisionerTest, FailedSetupCopiesTheLogKeepsTheBoxStoppedAndNamesWhy) {
  processes_.failing_phases_.insert("framework");
  auto box = MakeProvisioner().Up(options_);
  ASSERT_FALSE(box);
  // The error line: the phase, the failing command and where the copy is.
  EXPECT_NE(box.error().message.find(
                "setup phase framework failed on d2l: `wget -nv https://example.com/x` exited 4"),
            std::string::npos)
      << box.error().message;
  auto copy = LatestSetupLogCopy(env_, paths_, "d2l");
  ASSERT_TRUE(copy);
  EXPECT_TRUE(copy->starts_with(paths_.state_dir + "/setup-logs/d2l-"));
  EXPECT_NE(box.error().hint.find(*copy), std::string::npos) << box.error().hint;
  EXPECT_NE(box.error().hint.find("'gpubox up d2l' resumes at framework"), std::string::npos);
  EXPECT_EQ(*files_.ReadFile(*copy), processes_.setup_log_);
  EXPECT_EQ(std::filesystem::status(*copy).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // The last lines of the phase are shown, and what keeping the disk costs.
  EXPECT_NE(progress_.str().find("framework: FAILED"), std::string::npos) << progress_.str();
  EXPECT_NE(progress_.str().find("gpubox:   | boom"), std::string::npos) << progress_.str();
  EXPECT_NE(progress_.str().find("64 GiB disk is still billed, about $5.12 a month"),
            std::string::npos)
      << progress_.str();
  // Kept, stopped, recorded as setup-failed at that phase.
  EXPECT_EQ(Count("TerminateInstances"), 0);
  EXPECT_EQ(Count("StopInstances"), 1);
  ASSERT_EQ(cloud_.instances_.size(), 1u);
  EXPECT_EQ(cloud_.instances_.begin()->second.state.name, "stopped");
  auto kept = store_->Load("d2l");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->state, BoxState::kSetupFailed);
  EXPECT_EQ(kept->failed_phase, "framework");
  EXPECT_EQ(kept->running_since, 0);
  // The copy comes before the stop.
  auto cat = std::find_if(
      processes_.commands_ran_.begin(), processes_.commands_ran_.end(),
      [](const std::string& command) { return command.ends_with("cat .gpubox/setup.log"); });
  ASSERT_NE(cat, processes_.commands_ran_.end());
  EXPECT_EQ(cloud_.calls_.back(), "StopInstances " + kept->instance_id);
}

TEST_F(ProvisionerTest, UpAgainStartsTheKeptBoxAndResumesAtTheFailedPhase) {
  processes_.failing_phases_.insert("framework");
  ASSERT_FALSE(MakeProvisioner().Up(options_));
  processes_.failing_phases_.clear();
  progress_.str("");
  auto box = MakeProvisioner().Up(options_);
  ASSERT_TRUE(box) << box.error().message;
  EXPECT_EQ(Count("RunInstances"), 1);
  EXPECT_EQ(Count("StartInstances"), 1);
  EXPECT_EQ(box->state, BoxState::kRunning);
  EXPECT_EQ(box->failed_phase, "");
  EXPECT_EQ(box->setup_phases, "driver,environment,framework,notebooks,gpu-check,agent");
  std::string shown = progress_.str();
  EXPECT_NE(shown.find("resuming the setup of d2l at phase framework"), std::string::npos) << shown;
  EXPECT_NE(shown.find("[2/6] environment: already done (skipped)"), std::string::npos) << shown;
  EXPECT_NE(shown.find("[3/6] framework: done"), std::string::npos) << shown;
}

TEST_F(ProvisionerTest, RmOnFailureDeletesEverythingButTheLogCopy) {
  processes_.failing_phases_.insert("framework");
  options_.rm_on_failure = true;
  auto box = MakeProvisioner().Up(options_);
  ASSERT_FALSE(box);
  EXPECT_NE(box.error().message.find("setup phase framework failed"), std::string::npos);
  EXPECT_NE(box.error().hint.find("the box is deleted"), std::string::npos);
  EXPECT_EQ(cloud_.LiveInstances(), 0);
  EXPECT_TRUE(cloud_.groups_.empty());
  EXPECT_TRUE(cloud_.key_pairs_.empty());
  EXPECT_FALSE(store_->Load("d2l"));
  EXPECT_FALSE(std::filesystem::exists(paths_.key_path("d2l")));
  auto shown = FindSetupLog(env_, paths_, "d2l", std::nullopt);
  ASSERT_TRUE(shown) << shown.error().message;
  EXPECT_NE(shown->text.find("gpubox-phase framework fail"), std::string::npos);
}

TEST_F(ProvisionerTest, AnUnreachableBoxStillLeavesWhatTheSessionPrinted) {
  processes_.failing_phases_.insert("driver");
  processes_.log_unreadable_ = true;
  auto box = MakeProvisioner().Up(options_);
  ASSERT_FALSE(box);
  auto copy = LatestSetupLogCopy(env_, paths_, "d2l");
  ASSERT_TRUE(copy);
  EXPECT_NE(files_.ReadFile(*copy)->find("gpubox-phase driver fail"), std::string::npos);
  EXPECT_NE(progress_.str().find("the box could not give its own"), std::string::npos);
}

TEST_F(ProvisionerTest, AKeptBoxAsksForUpNotStartAndListsAsSetupFailed) {
  processes_.failing_phases_.insert("notebooks");
  ASSERT_FALSE(MakeProvisioner().Up(options_));
  Lifecycle lifecycle(env_, cloud_, *store_, paths_, progress_);
  auto started = lifecycle.Start("d2l");
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().hint.find("'gpubox up d2l'"), std::string::npos);
  auto running = lifecycle.RunningBox("d2l");
  ASSERT_FALSE(running);
  EXPECT_NE(running.error().message.find("setup failed at phase notebooks"), std::string::npos);
  auto stopped = lifecycle.Stop("d2l");  // already stopped: nothing to do, state kept
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->state, BoxState::kSetupFailed);
  auto listing = lifecycle.List();
  ASSERT_EQ(listing->size(), 1u);
  EXPECT_EQ((*listing)[0].box.state, BoxState::kSetupFailed);
  EXPECT_EQ((*listing)[0].cloud_state, "stopped");
  auto plan = lifecycle.PlanDown("d2l");
  ASSERT_TRUE(lifecycle.Down(*plan, "d2l"));
  EXPECT_EQ(cloud_.LiveInstances(), 0);
  EXPECT_TRUE(cloud_.groups_.empty());
}

TEST_F(ProvisionerTest, RerunAfterACrashContinuesWithTheSameInstance) {
  // The first run died right after RunInstances: the store says "launching".
  processes_.ssh_failures_left_ = 1'000'000;
  options_.ssh_timeout_ms = 1000;
  BoxRecord crashed;
  crashed.name = "d2l";
  crashed.cloud = "local";
  crashed.state = BoxState::kLaunching;
  crashed.key_name = "gpubox-d2l";
  crashed.key_path = paths_.key_path("d2l");
  crashed.created_at = 100;
  ASSERT_TRUE(store_->Save(crashed));
  aws::RunInstancesRequest first;
  first.instance_type = "g4dn.xlarge";
  first.placement = aws::Placement{"us-east-1a", {}, {}};
  first.client_token = "gpubox-first";
  first.tag_specifications = {{"instance", {{"gpubox:box", "d2l"}}}};
  ASSERT_TRUE(cloud_.RunInstance("us-east-1", first));
  processes_.ssh_failures_left_ = 0;
  auto box = MakeProvisioner().Up(options_);
  ASSERT_TRUE(box) << box.error().message;
  EXPECT_EQ(cloud_.instances_.size(), 1u);
  EXPECT_EQ(Count("RunInstances"), 1);
  EXPECT_EQ(box->instance_id, cloud_.instances_.begin()->first);
}

TEST_F(ProvisionerTest, UpAgainOnARunningBoxReturnsItWithoutLaunching) {
  auto first = MakeProvisioner().Up(options_);
  ASSERT_TRUE(first) << first.error().message;
  auto again = MakeProvisioner().Up(options_);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->instance_id, first->instance_id);
  EXPECT_EQ(Count("RunInstances"), 1);
}

TEST_F(ProvisionerTest, SameAttemptSameClientToken) {
  BoxRecord box;
  box.name = "d2l";
  box.created_at = 5;
  LaunchCandidate candidate;
  candidate.instance_type = "g4dn.xlarge";
  candidate.region = "us-east-1";
  EXPECT_EQ(LaunchClientToken(box, candidate, "us-east-1a"),
            LaunchClientToken(box, candidate, "us-east-1a"));
  EXPECT_NE(LaunchClientToken(box, candidate, "us-east-1a"),
            LaunchClientToken(box, candidate, "us-east-1b"));
  box.created_at = 6;
  EXPECT_NE(LaunchClientToken(box, candidate, "us-east-1a"),
            LaunchClientToken(BoxRecord{.name = "d2l", .created_at = 5}, candidate, "us-east-1a"));
}

TEST_F(ProvisionerTest, AWaitForAStateGivesUpAtOnceWhenTheInstanceIsTerminated) {
  ASSERT_TRUE(MakeProvisioner().Up(options_));
  cloud_.stop_terminates_ = true;
  Lifecycle lifecycle(env_, cloud_, *store_, paths_, progress_);
  int64_t started = clock_.NowMicros();
  auto stopped = lifecycle.Stop("d2l");
  ASSERT_FALSE(stopped);
  EXPECT_LT(clock_.NowMicros() - started, 10LL * 1000 * 1000);  // not the 600 s wait
  EXPECT_NE(stopped.error().message.find("is terminated"), std::string::npos);
  EXPECT_NE(stopped.error().hint.find("gpubox down d2l"), std::string::npos);
}

TEST_F(ProvisionerTest, StopStartImageAndDownDeleteWhatWasMadeForTheBox) {
  ASSERT_TRUE(MakeProvisioner().Up(options_));
  Lifecycle lifecycle(env_, cloud_, *store_, paths_, progress_);
  auto stopped = lifecycle.Stop("d2l");
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_EQ(stopped->state, BoxState::kStopped);
  EXPECT_EQ(stopped->running_since, 0);
  auto started = lifecycle.Start("d2l");
  ASSERT_TRUE(started) << started.error().message;
  EXPECT_EQ(started->state, BoxState::kRunning);
  auto image = lifecycle.MakeImage("d2l", "d2l-ready");
  ASSERT_TRUE(image);
  EXPECT_EQ(lifecycle.Images()->size(), 1u);
  auto listing = lifecycle.List();
  ASSERT_EQ(listing->size(), 1u);
  EXPECT_FALSE((*listing)[0].orphan);
  auto plan = lifecycle.PlanDown("d2l");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->lines.size(), 3u);
  ASSERT_TRUE(lifecycle.Down(*plan, "d2l"));
  EXPECT_EQ(cloud_.LiveInstances(), 0);
  EXPECT_TRUE(cloud_.groups_.empty());
  EXPECT_TRUE(cloud_.key_pairs_.empty());
  EXPECT_FALSE(std::filesystem::exists(paths_.key_path("d2l")));
  EXPECT_FALSE(store_->Load("d2l"));
}

TEST_F(ProvisionerTest, AnImageThatNeverFinishesIsAnErrorAndTheRerunContinuesIt) {
  ASSERT_TRUE(MakeProvisioner().Up(options_));
  Lifecycle lifecycle(env_, cloud_, *store_, paths_, progress_);
  cloud_.new_image_state_ = "pending";
  auto image = lifecycle.MakeImage("d2l", "d2l-slow");
  ASSERT_FALSE(image);
  EXPECT_EQ(image.error().code, ErrorCode::kCloud);
  EXPECT_NE(image.error().message.find("still pending"), std::string::npos);
  EXPECT_NE(image.error().hint.find("gpubox image d2l"), std::string::npos);
  auto creates = [&] {
    return std::count_if(cloud_.calls_.begin(), cloud_.calls_.end(),
                         [](const std::string& call) { return call.starts_with("CreateImage"); });
  };
  EXPECT_EQ(creates(), 1);
  EXPECT_FALSE(lifecycle.MakeImage("d2l", "d2l-slow-2"));  // still baking: waited on, not remade
  EXPECT_EQ(creates(), 1);
  EXPECT_NE(progress_.str().find("continuing ami-"), std::string::npos);
}

TEST_F(ProvisionerTest, ListShowsTaggedInstancesTheStoreDoesNotKnowAsOrphans) {
  aws::RunInstancesRequest lost;
  lost.instance_type = "g4dn.xlarge";
  lost.placement = aws::Placement{"us-west-2a", {}, {}};
  lost.tag_specifications = {{"instance", {{"gpubox:box", "forgotten"}}}};
  ASSERT_TRUE(cloud_.RunInstance("us-west-2", lost));
  Lifecycle lifecycle(env_, cloud_, *store_, paths_, progress_);
  auto listing = lifecycle.List();
  ASSERT_TRUE(listing);
  ASSERT_EQ(listing->size(), 1u);
  EXPECT_TRUE((*listing)[0].orphan);
  EXPECT_EQ((*listing)[0].box.name, "forgotten");
}

TEST(BoxNameTest, AcceptsSimpleNamesOnly) {
  EXPECT_TRUE(ValidateBoxName("d2l"));
  EXPECT_TRUE(ValidateBoxName("gpu-box-2"));
  for (const char* bad : {"", "D2L", "2box", "a b", "a/b", "-x"}) {
    EXPECT_FALSE(ValidateBoxName(bad)) << bad;
  }
}

TEST_F(ProvisionerTest, UpNodesLaunchesAClusterInOneCallInItsPlacementGroupAndDownDeletesItAll) {
  options_.nodes = 2;
  auto box = MakeProvisioner().Up(options_);
  ASSERT_TRUE(box) << box.error().message;
  EXPECT_EQ(box->cluster, "d2l");
  EXPECT_EQ(box->nodes, 2);
  EXPECT_EQ(box->node, 0);
  EXPECT_EQ(cloud_.LiveInstances(), 2);
  EXPECT_EQ(Count("RunInstances"), 1);  // all or nothing: one call
  EXPECT_EQ(cloud_.last_run_.min_count, 2);
  EXPECT_EQ(cloud_.last_run_.max_count, 2);
  EXPECT_EQ(cloud_.last_run_.placement->group_name.value_or(""), "gpubox-d2l");
  EXPECT_EQ(cloud_.placement_groups_.count("us-east-1/gpubox-d2l"), 1u);
  auto node = store_->Load("d2l-1");
  ASSERT_TRUE(node);
  EXPECT_EQ(node->cluster, "d2l");
  EXPECT_EQ(node->node, 1);
  EXPECT_EQ(node->state, BoxState::kRunning);
  EXPECT_NE(node->instance_id, box->instance_id);
  EXPECT_EQ(node->key_path, box->key_path);
  // SSH from the caller, everything from the group's own members, nothing else.
  const aws::SecurityGroup& group = cloud_.groups_.at(box->security_group_id);
  ASSERT_EQ(group.ip_permissions.size(), 2u);
  EXPECT_EQ(group.ip_permissions[0].ip_ranges[0].cidr_ip, "192.0.2.7/32");
  EXPECT_EQ(group.ip_permissions[1].ip_protocol, "-1");
  ASSERT_EQ(group.ip_permissions[1].user_id_group_pairs.size(), 1u);
  EXPECT_EQ(group.ip_permissions[1].user_id_group_pairs[0].group_id, box->security_group_id);
  EXPECT_TRUE(group.ip_permissions[1].ip_ranges.empty());

  Lifecycle lifecycle(env_, cloud_, *store_, paths_, progress_);
  auto refused = lifecycle.Stop("d2l-1");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUsage);
  EXPECT_NE(refused.error().message.find("cluster 'd2l'"), std::string::npos);
  ASSERT_TRUE(lifecycle.Stop("d2l"));
  EXPECT_EQ(store_->Load("d2l-1")->state, BoxState::kStopped);
  ASSERT_TRUE(lifecycle.Start("d2l"));
  EXPECT_EQ(store_->Load("d2l-1")->state, BoxState::kRunning);
  auto plan = lifecycle.PlanDown("d2l");
  ASSERT_TRUE(plan);
  ASSERT_TRUE(lifecycle.Down(*plan, "d2l"));
  EXPECT_EQ(cloud_.LiveInstances(), 0);
  EXPECT_TRUE(cloud_.placement_groups_.empty());
  EXPECT_TRUE(cloud_.groups_.empty());
  EXPECT_TRUE(store_->List()->empty());
}

TEST_F(ProvisionerTest, UpNodesWithSlurmConfiguresEveryNodeAlikeWithOneKeyAndWaitsForThem) {
  options_.nodes = 2;
  options_.scheduler = Scheduler::kSlurm;
  auto box = MakeProvisioner().Up(options_);
  ASSERT_TRUE(box) << box.error().message;
  ASSERT_EQ(processes_.slurm_configured_.size(), 2u);
  auto value = [](const std::string& script, const std::string& name) {
    size_t at = script.find(" " + name + "=");
    if (at == std::string::npos) return std::string();
    at += name.size() + 2;
    return script.substr(at, script.find_first_of(" \n", at) - at);
  };
  const std::string& node0 = processes_.slurm_configured_[0];
  const std::string& node1 = processes_.slurm_configured_[1];
  EXPECT_EQ(value(node0, "GPUBOX_NODE_RANK"), "0");
  EXPECT_EQ(value(node1, "GPUBOX_NODE_RANK"), "1");
  // One key (512 secret bytes, hex) and one node 0's hardware and host for both.
  EXPECT_EQ(value(node0, "GPUBOX_MUNGE_KEY").size(), 1024u + 2);  // quoted
  EXPECT_EQ(value(node0, "GPUBOX_MUNGE_KEY"), value(node1, "GPUBOX_MUNGE_KEY"));
  EXPECT_EQ(value(node1, "GPUBOX_SLURM_CONTROLLER"), "'ip-10-0-0-5'");
  EXPECT_NE(node1.find("GPUBOX_SLURM_HW='CPUs=4 Boards=1 RealMemory=15000'"), std::string::npos);
  EXPECT_EQ(value(node1, "GPUBOX_GPUS_PER_NODE"), "1");
  // The key is a secret: not in what up printed.
  std::string key = value(node0, "GPUBOX_MUNGE_KEY");
  EXPECT_EQ(progress_.str().find(key.substr(1, 64)), std::string::npos);
  EXPECT_NE(progress_.str().find("slurmctld on d2l"), std::string::npos);
}

TEST_F(ProvisionerTest, AnUnfinishedSlurmUpRunAgainWithoutTheFlagStillSetsSlurmUp) {
  options_.nodes = 2;
  options_.scheduler = Scheduler::kSlurm;
  auto box = MakeProvisioner().Up(options_);
  ASSERT_TRUE(box) << box.error().message;
  EXPECT_EQ(store_->Load("d2l")->scheduler, "slurm");
  // As if that up had been interrupted (Ctrl-C) before Slurm was set up.
  BoxRecord unfinished = *store_->Load("d2l");
  unfinished.state = BoxState::kSettingUp;
  ASSERT_TRUE(store_->Save(unfinished));
  processes_.slurm_configured_.clear();
  options_.scheduler = Scheduler::kNone;
  auto again = MakeProvisioner().Up(options_);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(processes_.slurm_configured_.size(), 2u);
  EXPECT_EQ(cloud_.LiveInstances(), 2);
}

TEST_F(ProvisionerTest, UpNodesWithSlurmThatCannotInstallLeavesNothing) {
  options_.nodes = 2;
  options_.scheduler = Scheduler::kSlurm;
  processes_.slurm_install_fails_ = true;
  auto failed = MakeProvisioner().Up(options_);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("could not install Slurm on d2l"), std::string::npos);
  EXPECT_NE(failed.error().message.find("Unable to locate package"), std::string::npos);
  EXPECT_EQ(cloud_.LiveInstances(), 0);
  EXPECT_TRUE(cloud_.placement_groups_.empty());
}

TEST_F(ProvisionerTest, UpNodesWithSlurmWhoseNodesNeverComeUpFailsIn90sAndLeavesNothing) {
  options_.nodes = 2;
  options_.scheduler = Scheduler::kSlurm;
  processes_.slurm_node_state_ = "down*";
  int64_t started = clock_.NowMicros();
  auto never = MakeProvisioner().Up(options_);
  ASSERT_FALSE(never);
  EXPECT_GE(clock_.NowMicros() - started, 90LL * 1000 * 1000);
  EXPECT_NE(never.error().message.find("did not bring every node up"), std::string::npos);
  EXPECT_NE(never.error().message.find("d2l-1:down*"), std::string::npos);
  EXPECT_EQ(cloud_.LiveInstances(), 0);
  EXPECT_TRUE(store_->List()->empty());
}

TEST_F(ProvisionerTest, UpNodesWhereOnlyOneFitsLeavesNothingAndMovesTheWholeClusterOn) {
  options_.nodes = 2;
  for (const std::string& region : cloud_.regions_) {
    std::vector<std::string> zones = *cloud_.Zones(region);
    for (const std::string& zone : zones) cloud_.capacity_["g4dn.xlarge/" + zone] = 1;
  }
  auto box = MakeProvisioner().Up(options_);
  ASSERT_TRUE(box) << box.error().message;
  EXPECT_EQ(box->instance_type, "g4dn.2xlarge");  // the next offer, both nodes on it
  EXPECT_EQ(store_->Load("d2l-1")->instance_type, "g4dn.2xlarge");
  EXPECT_EQ(cloud_.LiveInstances(), 2);

  options_.name = "big";
  for (const std::string& region : cloud_.regions_) {
    std::vector<std::string> zones = *cloud_.Zones(region);
    for (const std::string& zone : zones) {
      for (const char* type : {"g4dn.xlarge", "g4dn.2xlarge", "p3.2xlarge"}) {
        cloud_.capacity_[std::string(type) + "/" + zone] = 0;
      }
    }
  }
  options_.requirements.gpu.model.clear();
  auto none = MakeProvisioner().Up(options_);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNoCapacity);
  EXPECT_EQ(cloud_.LiveInstances(), 2);  // d2l's alone
  EXPECT_FALSE(store_->Load("big"));
  EXPECT_FALSE(store_->Load("big-1"));
  EXPECT_EQ(cloud_.placement_groups_.count("us-east-1/gpubox-big"), 0u);
}

TEST_F(ProvisionerTest, UpNodesChecksTheQuotaForEveryNode) {
  options_.nodes = 3;  // 3 x 4 vCPUs of g4dn.xlarge
  auto plan = MakeProvisioner().Plan(options_);
  ASSERT_TRUE(plan) << plan.error().message;
  const LaunchCandidate& first = plan->candidates.front();
  EXPECT_EQ(first.quota.vcpus_needed, 3 * 4);
}

TEST_F(ProvisionerTest, DownOfAClusterAnUpLeftHalfRecordedDeletesEveryNodeAndRecoverRefusesIt) {
  options_.nodes = 3;
  auto box = MakeProvisioner().Up(options_);
  ASSERT_TRUE(box) << box.error().message;
  ASSERT_EQ(cloud_.LiveInstances(), 3);
  Recovery recovery(env_, cloud_, *store_, catalog_, paths_, progress_);
  auto refused = recovery.Recover("d2l", {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUsage);
  EXPECT_EQ(cloud_.LiveInstances(), 3);  // nothing relaunched or retired
  // As if the up had been cut off before it recorded node 2.
  ASSERT_TRUE(store_->Delete("d2l-2"));
  Lifecycle lifecycle(env_, cloud_, *store_, paths_, progress_);
  auto plan = lifecycle.PlanDown("d2l");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_TRUE(lifecycle.Down(*plan, "d2l"));
  EXPECT_EQ(cloud_.LiveInstances(), 0);
  EXPECT_TRUE(cloud_.groups_.empty());
  EXPECT_TRUE(cloud_.placement_groups_.empty());
  EXPECT_TRUE(store_->List()->empty());
}

TEST_F(ProvisionerTest, DownAlsoTerminatesAnInstanceOfTheBoxNoRecordNames) {
  auto box = MakeProvisioner().Up(options_);
  ASSERT_TRUE(box) << box.error().message;
  // A launch answered with an error after it took effect: tagged, in the box's group, unknown.
  aws::RunInstancesRequest stray;
  stray.instance_type = "g4dn.xlarge";
  stray.placement = aws::Placement{"us-east-1b", {}, {}};
  stray.client_token = "gpubox-stray";
  stray.security_group_ids = {box->security_group_id};
  stray.tag_specifications = {{"instance", {{"gpubox:box", "d2l"}}}};
  ASSERT_TRUE(cloud_.RunInstance("us-east-1", stray));
  ASSERT_EQ(cloud_.LiveInstances(), 2);
  Lifecycle lifecycle(env_, cloud_, *store_, paths_, progress_);
  auto plan = lifecycle.PlanDown("d2l");
  ASSERT_TRUE(plan);
  auto down = lifecycle.Down(*plan, "d2l");
  ASSERT_TRUE(down) << down.error().message;  // the group was not held by the stray
  EXPECT_EQ(cloud_.LiveInstances(), 0);
  EXPECT_TRUE(cloud_.groups_.empty());
}

}  // namespace
}  // namespace gpubox
