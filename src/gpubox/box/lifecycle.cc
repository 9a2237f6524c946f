#include "gpubox/box/lifecycle.h"

#include <algorithm>
#include <map>
#include <ostream>

#include "gpubox/box/cluster.h"
#include "gpubox/box/instance_facts.h"
#include "gpubox/box/jupyter.h"
#include "gpubox/box/spot_requests.h"
#include "gpubox/sys/file_system.h"
#include "gpubox/sys/process_runner.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

using aws::instance_state::kRunning;
using aws::instance_state::kShuttingDown;
using aws::instance_state::kStopped;
using aws::instance_state::kTerminated;

}  // namespace

Lifecycle::Lifecycle(Env& env, Cloud& cloud, BoxStore& store, GpuboxPaths paths,
                     std::ostream& progress)
    : env_(env), cloud_(cloud), store_(store), paths_(std::move(paths)), progress_(progress) {}

Result<aws::Instance> Lifecycle::Describe(const BoxRecord& box) {
  auto instances = GPUBOX_TRY(
      cloud_.DescribeInstances(box.region, {aws::Filter{"instance-id", {box.instance_id}}}));
  if (instances.empty()) {
    return Fail(ErrorCode::kNotFound, "the cloud has no instance " + box.instance_id);
  }
  return instances.front();
}

Result<aws::Instance> Lifecycle::WaitFor(const BoxRecord& box, int state_code, int timeout_ms) {
  int64_t deadline = env_.clock->NowMicros() + int64_t{timeout_ms} * 1000;
  while (true) {
    aws::Instance instance = GPUBOX_TRY(Describe(box));
    if (instance.state.code == state_code) return instance;
    bool gone = instance.state.code == kTerminated || instance.state.code == kShuttingDown;
    if (gone && state_code != kTerminated) {  // it will never be what was waited for
      return Fail(
          ErrorCode::kCloud,
          "instance " + box.instance_id + " of box '" + box.name + "' is " + instance.state.name +
              (instance.state_reason.message.empty() ? ""
                                                     : " (" + instance.state_reason.message + ")"),
          "'gpubox down " + box.name + "' deletes what is left of it");
    }
    if (env_.clock->NowMicros() > deadline) {
      return Fail(ErrorCode::kCloud, "instance " + box.instance_id + " is still " +
                                         instance.state.name + " after " +
                                         std::to_string(timeout_ms / 1000) + " s");
    }
    env_.clock->SleepMicros(cloud_.StatePollMicros());
  }
}

Result<BoxRecord> Lifecycle::RunningBox(const std::string& name) {
  BoxRecord box = GPUBOX_TRY(store_.Load(name));
  if (box.state == BoxState::kSetupFailed) {
    return Fail(ErrorCode::kUsage,
                "box '" + name + "' is stopped: its setup failed at phase " + box.failed_phase,
                "'gpubox up " + name + "' resumes it; 'gpubox logs " + name +
                    " --setup' shows why it failed");
  }
  if (box.state != BoxState::kRunning) {
    return Fail(ErrorCode::kUsage,
                "box '" + name + "' is " + BoxStateName(box.state) + ", not running",
                box.state == BoxState::kStopped ? "'gpubox start " + name + "' brings it back"
                                                : "'gpubox up " + name + "' makes it");
  }
  return box;
}

Result<std::vector<BoxListing>> Lifecycle::List() {
  // One DescribeInstances per region finds every tagged instance; the store's
  // boxes are matched to them by id, the rest are orphans.
  std::map<std::string, aws::Instance> tagged;
  for (const std::string& region : GPUBOX_TRY(cloud_.Regions())) {
    for (aws::Instance& instance :
         GPUBOX_TRY(cloud_.DescribeInstances(region, {aws::Filter{"tag-key", {kBoxTag}}}))) {
      tagged[instance.instance_id] = std::move(instance);
    }
  }
  std::vector<BoxListing> rows;
  bool moved = false;
  for (const BoxRecord& box : GPUBOX_TRY(store_.List())) {
    if (box.cloud != cloud_.name()) continue;
    BoxListing row{box, "missing", false, 0, 0};
    if (auto found = tagged.find(box.instance_id); found != tagged.end()) {
      const aws::Instance& instance = found->second;
      row.cloud_state = instance.state.name;
      GPUBOX_TRY_VOID(RecordInstanceState(store_, box, instance, Now()));
      if (InterruptedBySpot(instance)) {
        int64_t since = TransitionTime(instance);
        row.interrupted_since = since > 0 ? since : Now();
      }
      // The cloud started an interrupted spot box again by itself: on EC2 with a new
      // public address, which ssh must follow.
      std::string address = !instance.public_ip_address.empty() ? instance.public_ip_address
                                                                : instance.private_ip_address;
      if (instance.state.code == kRunning && box.state == BoxState::kRunning && !address.empty() &&
          address != box.public_ip) {
        row.box.public_ip = address;
        (void)store_.Save(row.box);
        Event(box.name, "address", "now " + address + " (started again by the cloud)");
        moved = true;
      }
      tagged.erase(found);
    }
    row.uptime_seconds = box.running_since > 0 ? Now() - box.running_since : 0;
    row.cost_usd = (box.billed_seconds + row.uptime_seconds) / 3600.0 * box.price_usd_hr;
    auto intervals = GPUBOX_TRY(store_.Intervals(box.name));
    if (!intervals.empty()) {  // boxes made before the ledger keep the estimate above
      row.cost = CostOf(box.name, intervals, Now());
      row.cost_usd = row.cost.compute_usd;
    } else {
      row.cost = {box.name, (box.billed_seconds + row.uptime_seconds) / 3600.0, row.cost_usd, 0};
    }
    row.budget_left = BudgetLeftOf(box, row.cost);
    rows.push_back(row);
  }
  for (const auto& [id, instance] : tagged) {
    if (instance.state.name == "terminated") continue;
    BoxListing orphan;
    orphan.orphan = true;
    orphan.cloud_state = instance.state.name;
    for (const aws::Tag& tag : instance.tags) {
      if (tag.key == kBoxTag) orphan.box.name = tag.value;
    }
    std::string zone = InstanceZone(instance);
    orphan.box.cloud = cloud_.name();
    orphan.box.region = RegionOfZone(zone);
    orphan.box.zone = zone;
    orphan.box.instance_id = id;
    orphan.box.instance_type = instance.instance_type;
    orphan.box.market = InstanceMarket(instance);
    orphan.box.state = BoxState::kOrphan;
    rows.push_back(orphan);
  }
  if (moved) GPUBOX_TRY_VOID(RefreshSshConfig());
  return rows;
}

Result<BoxRecord> Lifecycle::Stop(const std::string& name) {
  BoxRecord box = GPUBOX_TRY(store_.Load(name));
  GPUBOX_TRY_VOID(RefuseClusterNode(box, "stop"));
  for (const BoxRecord& node : GPUBOX_TRY(ClusterNodes(store_, box))) {
    if (node.node > 0) GPUBOX_TRY(StopOne(node.name));
  }
  return StopOne(name);
}

Result<BoxRecord> Lifecycle::StopOne(const std::string& name) {
  BoxRecord box = GPUBOX_TRY(store_.Load(name));
  if (box.state == BoxState::kStopped) return box;
  if (box.state == BoxState::kSetupFailed && box.running_since == 0) return box;  // kept stopped
  CloseSshMaster(env_, TargetOf(box));
  if (auto stopped = cloud_.StopInstance(box.region, box.instance_id); !stopped) {
    if (stopped.error().cloud_code == "UnsupportedOperation" && box.market == Market::kSpot) {
      return Fail(ErrorCode::kUsage, "box '" + name + "' is a one-time spot instance",
                  "one-time spot boxes (made before persistent spot requests) cannot be "
                  "stopped; 'gpubox down " +
                      name + "' deletes it");
    }
    return std::unexpected(stopped.error());
  }
  progress_ << "gpubox: stopping " << box.instance_id << '\n';
  GPUBOX_TRY_VOID(
      RecordInstanceState(store_, box, GPUBOX_TRY(WaitFor(box, kStopped, 600000)), Now()));
  if (box.running_since > 0) box.billed_seconds += Now() - box.running_since;
  box.running_since = 0;
  if (box.state != BoxState::kSetupFailed) box.state = BoxState::kStopped;
  GPUBOX_TRY_VOID(store_.Save(box));
  Event(name, "stop", box.instance_id);
  return box;
}

Result<BoxRecord> Lifecycle::Start(const std::string& name, int ssh_timeout_ms) {
  BoxRecord box = GPUBOX_TRY(store_.Load(name));
  GPUBOX_TRY_VOID(RefuseClusterNode(box, "start"));
  // Node 0 first: the ssh config rewritten last holds every node.
  BoxRecord started = GPUBOX_TRY(StartOne(name, ssh_timeout_ms));
  for (const BoxRecord& node : GPUBOX_TRY(ClusterNodes(store_, box))) {
    if (node.node > 0) GPUBOX_TRY(StartOne(node.name, ssh_timeout_ms));
  }
  return started;
}

Result<BoxRecord> Lifecycle::StartOne(const std::string& name, int ssh_timeout_ms) {
  BoxRecord box = GPUBOX_TRY(store_.Load(name));
  // A running box is started already, unless the cloud stopped it (a spot interruption).
  if (box.state == BoxState::kRunning &&
      (box.market != Market::kSpot || !InterruptedBySpot(GPUBOX_TRY(Describe(box))))) {
    return box;
  }
  if (box.state == BoxState::kSetupFailed) {
    return Fail(
        ErrorCode::kUsage,
        "box '" + name + "' has an unfinished setup (phase " + box.failed_phase + " failed)",
        "'gpubox up " + name + "' starts it and resumes the setup there");
  }
  auto started = cloud_.StartInstance(box.region, box.instance_id);
  // A stop under way (the OS shutting down after a spot notice, or a stop from elsewhere):
  // started once it is over, as a user would do by hand. Only this refusal asks the cloud.
  bool stopping = !started && started.error().cloud_code == "IncorrectInstanceState" &&
                  Describe(box).value_or(aws::Instance{}).state.name == "stopping";
  if (stopping) {
    progress_ << "gpubox: " << box.instance_id << " is stopping; starting it once stopped\n";
    GPUBOX_TRY(WaitFor(box, kStopped, 600000));
    started = cloud_.StartInstance(box.region, box.instance_id);
  }
  if (!started) {
    const std::string& code = started.error().cloud_code;
    if (code == "IncorrectSpotRequestState" || code == "InsufficientInstanceCapacity") {
      return Fail(ErrorCode::kNoCapacity,
                  "box '" + name + "' cannot start: " + started.error().message,
                  "the cloud starts an interrupted spot box by itself when capacity returns "
                  "('gpubox ls' shows it); 'gpubox recover " +
                      name + "' brings it back elsewhere from its own disk now");
    }
    return std::unexpected(started.error());
  }
  progress_ << "gpubox: starting " << box.instance_id << '\n';
  aws::Instance instance = GPUBOX_TRY(WaitFor(box, kRunning, 600000));
  GPUBOX_TRY_VOID(RecordInstanceState(store_, box, instance, Now()));
  box.public_ip = !instance.public_ip_address.empty() ? instance.public_ip_address
                                                      : instance.private_ip_address;
  GPUBOX_TRY_VOID(WaitForSsh(env_, TargetOf(box), ssh_timeout_ms));
  box.state = BoxState::kRunning;
  box.running_since = Now();
  GPUBOX_TRY_VOID(store_.Save(box));
  Event(name, "start", box.instance_id + " at " + box.public_ip);
  GPUBOX_TRY_VOID(RefreshSshConfig());
  return box;
}

Result<DownPlan> Lifecycle::PlanDown(const std::string& name) {
  BoxRecord box = GPUBOX_TRY(store_.Load(name));
  GPUBOX_TRY_VOID(RefuseClusterNode(box, "down"));
  DownPlan plan = PlanDownOne(box);
  if (box.nodes > 1) {
    for (const BoxRecord& node : GPUBOX_TRY(ClusterNodes(store_, box))) {
      if (node.node == 0) continue;
      for (const std::string& line : PlanDownOne(node).lines) {
        plan.lines.push_back(node.name + ": " + line);
      }
    }
    plan.lines.push_back("placement group " + ClusterPlacementGroup(name));
  }
  return plan;
}

DownPlan Lifecycle::PlanDownOne(const BoxRecord& box) {
  bool node = box.IsNodeOfCluster();
  DownPlan plan{box.instance_id,
                box.region,
                node ? "" : box.security_group_id,
                node ? "" : box.key_name,
                node ? "" : box.key_path,
                box.market == Market::kSpot,
                {}};
  if (plan.spot) {
    plan.lines.push_back(
        "its persistent spot request (cancelled first: else the cloud "
        "launches a replacement)");
  }
  if (!plan.instance_id.empty()) {
    plan.lines.push_back("instance " + box.instance_id + " (" + box.instance_type + ", " +
                         box.zone + ") and its " + std::to_string(box.disk_gib) + " GiB disk");
  }
  if (!plan.security_group_id.empty()) {
    plan.lines.push_back("security group " + box.security_group_id + " (" + box.key_name + ")");
  }
  if (!plan.key_name.empty()) {
    plan.lines.push_back("key pair " + box.key_name + " and its private key " + box.key_path);
  }
  return plan;
}

Result<void> Lifecycle::Down(const DownPlan& plan, const std::string& name) {
  BoxRecord box = GPUBOX_TRY(store_.Load(name));
  GPUBOX_TRY_VOID(RefuseClusterNode(box, "down"));
  // The other nodes first: node 0's down deletes the group they are in.
  for (const BoxRecord& node : GPUBOX_TRY(ClusterNodes(store_, box))) {
    if (node.node > 0) GPUBOX_TRY_VOID(DownOne(PlanDownOne(node), node.name));
  }
  // Instances of the box no record names (a launch answered with an error after it took
  // effect, an up cut off) would keep the security group in use.
  GPUBOX_TRY_VOID(TerminateUnrecorded(box));
  GPUBOX_TRY_VOID(DownOne(plan, name));
  if (box.nodes > 1) {
    // Free of charge, so a failure is said but does not undo the down (the record is gone).
    if (auto deleted = cloud_.DeletePlacementGroup(box.region, ClusterPlacementGroup(name));
        !deleted) {
      progress_ << "gpubox: warning: placement group " << ClusterPlacementGroup(name)
                << " was not deleted: " << deleted.error().message
                << " (it costs nothing; 'aws ec2 delete-placement-group --group-name "
                << ClusterPlacementGroup(name) << "' deletes it)\n";
    } else {
      Event(name, "down", "deleted placement group " + ClusterPlacementGroup(name));
    }
  }
  return {};
}

Result<void> Lifecycle::TerminateUnrecorded(const BoxRecord& box) {
  auto live = GPUBOX_TRY(cloud_.DescribeInstances(
      box.region,
      {aws::Filter{std::string("tag:") + kBoxTag, {box.name}},
       aws::Filter{"instance-state-name", {"pending", "running", "stopping", "stopped"}}}));
  for (const aws::Instance& instance : live) {
    if (instance.instance_id == box.instance_id) continue;
    progress_ << "gpubox: terminating " << instance.instance_id << " (tagged " << box.name
              << ", with no record)\n";
    if (!instance.spot_instance_request_id.empty()) {  // else the cloud replaces it
      GPUBOX_TRY(
          CancelBoxSpotRequests(cloud_, box.region, box.name, instance.spot_instance_request_id));
    }
    GPUBOX_TRY_VOID(cloud_.TerminateInstance(box.region, instance.instance_id));
    BoxRecord stray = box;
    stray.instance_id = instance.instance_id;
    auto gone = WaitFor(stray, kTerminated, 600000);
    if (!gone && gone.error().code != ErrorCode::kNotFound) return std::unexpected(gone.error());
  }
  return {};
}

Result<void> Lifecycle::DownOne(const DownPlan& plan, const std::string& name) {
  BoxRecord box = GPUBOX_TRY(store_.Load(name));
  if (GPUBOX_TRY(CloseTunnel(env_, paths_, name))) progress_ << "gpubox: closed the tunnel\n";
  CloseSshMaster(env_, TargetOf(box));
  if (plan.spot) {
    std::string request_id;
    if (!plan.instance_id.empty()) {
      auto instance = Describe(box);
      if (instance) request_id = instance->spot_instance_request_id;
    }
    for (const std::string& id :
         GPUBOX_TRY(CancelBoxSpotRequests(cloud_, plan.region, name, request_id))) {
      progress_ << "gpubox: cancelled spot request " << id << '\n';
      Event(name, "spot-request", "cancelled " + id);
    }
  }
  if (!plan.instance_id.empty()) {
    auto terminated = cloud_.TerminateInstance(plan.region, plan.instance_id);
    if (!terminated && terminated.error().code != ErrorCode::kNotFound &&
        terminated.error().cloud_code != "InvalidInstanceID.NotFound") {
      return std::unexpected(terminated.error());
    }
    progress_ << "gpubox: terminating " << plan.instance_id << '\n';
    if (terminated) {
      // An instance terminated a while ago (a rerun of an interrupted down) may be gone
      // from the cloud's answers altogether: that is terminated too.
      auto gone = WaitFor(box, kTerminated, 600000);
      if (!gone && gone.error().code != ErrorCode::kNotFound) return std::unexpected(gone.error());
      if (gone) GPUBOX_TRY_VOID(RecordInstanceState(store_, box, *gone, Now()));
    }
  }
  if (!plan.security_group_id.empty()) {
    GPUBOX_TRY_VOID(cloud_.DeleteSecurityGroup(plan.region, plan.security_group_id));
  }
  if (!plan.key_name.empty()) {
    GPUBOX_TRY_VOID(cloud_.DeleteKeyPair(plan.region, plan.key_name));
    (void)env_.files->Remove(plan.key_path);
    (void)env_.files->Remove(plan.key_path + ".pub");
  }
  (void)env_.files->Remove(paths_.known_hosts(name));
  if (!plan.instance_id.empty()) {  // gone from the cloud's answers: it ended by now
    GPUBOX_TRY_VOID(store_.CloseInterval(plan.instance_id, IntervalKind::kInstance, Now()));
    GPUBOX_TRY_VOID(store_.CloseInterval(plan.instance_id, IntervalKind::kDisk, Now()));
  }
  if (box.running_since > 0) box.billed_seconds += Now() - box.running_since;
  Event(name, "down",
        "deleted " + Join(plan.lines, ", ") + "; cost $" +
            FormatFixed(box.billed_seconds / 3600.0 * box.price_usd_hr, 4));
  GPUBOX_TRY_VOID(store_.Delete(name));
  return RefreshSshConfig();
}

/// How long `image` waits for the cloud to finish an image (EC2 takes minutes per 100 GiB).
constexpr int kImageWaitPolls = 6000;
constexpr int64_t kImageWaitPollMicros = 200'000;

Result<std::string> Lifecycle::MakeImage(const std::string& name, const std::string& image_name) {
  BoxRecord box = GPUBOX_TRY(store_.Load(name));
  if (box.instance_id.empty()) return Fail(ErrorCode::kUsage, "box '" + name + "' has no instance");
  // An image of this box still baking is an earlier `image` that did not see it through:
  // see that one through instead of baking a second.
  auto baking = GPUBOX_TRY(cloud_.DescribeImages(
      box.region, {{std::string("tag:") + kBoxTag, {name}}, {"state", {"pending"}}}, {"self"}));
  std::string image_id;
  if (!baking.empty()) {
    image_id = baking.front().image_id;
    progress_ << "gpubox: continuing " << image_id << " (" << baking.front().name
              << "), still baking from " << box.instance_id << '\n';
  } else {
    image_id =
        GPUBOX_TRY(cloud_.CreateImage(box.region, box.instance_id, image_name, {{kBoxTag, name}}));
    progress_ << "gpubox: baking " << image_id << " (" << image_name << ") from " << box.instance_id
              << '\n';
  }
  for (int wait_idx = 0; wait_idx < kImageWaitPolls; ++wait_idx) {
    auto images = GPUBOX_TRY(cloud_.DescribeImages(box.region, {{"image-id", {image_id}}}, {}));
    if (!images.empty() && images.front().state == "available") {
      GPUBOX_TRY_VOID(
          store_.AddImage({image_id, box.cloud, box.region, name, images.front().name, Now()}));
      Event(name, "image", image_id + " " + image_name);
      return image_id;
    }
    if (!images.empty() && images.front().state == "failed") {
      return Fail(ErrorCode::kCloud, "image " + image_id + " failed");
    }
    env_.clock->SleepMicros(kImageWaitPollMicros);
  }
  // Not an image yet: saying so is the truth; the rerun continues with this image.
  return Fail(ErrorCode::kCloud,
              "image " + image_id + " is still pending after " +
                  std::to_string(int64_t{kImageWaitPolls} * kImageWaitPollMicros / 60'000'000) +
                  " minutes",
              "run `gpubox image " + name + "` again to keep waiting for it");
}

Result<std::vector<aws::Image>> Lifecycle::Images() {
  std::vector<aws::Image> images;
  for (const std::string& region : GPUBOX_TRY(cloud_.Regions())) {
    for (aws::Image& image : GPUBOX_TRY(cloud_.DescribeImages(region, {}, {"self"}))) {
      image.description = region;  // shown as the region column
      images.push_back(std::move(image));
    }
  }
  return images;
}

Result<void> Lifecycle::RefreshSshConfig() {
  std::vector<SshHostEntry> hosts;
  for (const BoxRecord& box : GPUBOX_TRY(store_.List())) {
    if (box.public_ip.empty() || box.state == BoxState::kLaunching) continue;
    SshTarget target = TargetOf(box);
    target.control_path.clear();  // plain `ssh NAME` connects on its own
    hosts.push_back({box.name, target});
  }
  return WriteSshConfig(env_, paths_, hosts);
}

}  // namespace gpubox
