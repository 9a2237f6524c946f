#include "gpubox/box/recovery.h"

#include <ostream>

#include "gpubox/box/instance_facts.h"
#include "gpubox/box/spot_requests.h"
#include "gpubox/sys/file_system.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

using aws::instance_state::kPending;
using aws::instance_state::kRunning;
using aws::instance_state::kStopped;
using aws::instance_state::kStopping;
using aws::instance_state::kTerminated;

/// The GPU spec of a type: the same model, exactly as many whole GPUs (any count for a
/// fractional slice).
GpuSpec SameGpus(const Catalog& catalog, const std::string& type_name) {
  auto type_idx = catalog.FindType(type_name);
  if (!type_idx) return {};
  const InstanceType& type = catalog.types()[*type_idx];
  GpuSpec spec{type.gpu_model, std::nullopt};
  if (type.gpu_count > 0) spec.count = type.gpu_count;
  return spec;
}

}  // namespace

Recovery::Recovery(Env& env, Cloud& cloud, BoxStore& store, const Catalog& catalog,
                   GpuboxPaths paths, std::ostream& progress)
    : env_(env),
      cloud_(cloud),
      store_(store),
      catalog_(catalog),
      paths_(std::move(paths)),
      progress_(progress) {}

void Recovery::Event(const std::string& box, const std::string& message) {
  int64_t now_us = env_.clock->NowMicros();
  (void)store_.AddEvent({now_us / 1'000'000, box, "recover", message, now_us});
}

Result<BoxRecord> Recovery::Recover(const std::string& name, const RecoverOptions& options) {
  BoxRecord box = GPUBOX_TRY(store_.Load(name));
  if (!box.cluster.empty()) {  // one node relaunched alone would leave the cluster's group
    return Fail(ErrorCode::kUsage,
                "'" + name + "' is " +
                    (box.IsNodeOfCluster() ? "node " + std::to_string(box.node) + " of" : "") +
                    " cluster '" + box.cluster + "': recover brings back a lone box",
                "'gpubox start " + box.cluster + "' once capacity returns, or 'gpubox down " +
                    box.cluster + "' and up again");
  }
  if (box.instance_id.empty()) {
    return Fail(ErrorCode::kUsage, "box '" + name + "' has no instance to recover",
                "'gpubox up " + name + "' continues its launch");
  }
  if (box.recovering_from.empty()) {
    auto found = GPUBOX_TRY(
        cloud_.DescribeInstances(box.region, {aws::Filter{"instance-id", {box.instance_id}}}));
    if (found.empty() || found.front().state.code == kTerminated ||
        found.front().state.code == aws::instance_state::kShuttingDown) {
      return Fail(ErrorCode::kNotFound,
                  "the instance of '" + name + "' (" + box.instance_id +
                      ") is gone: no disk "
                      "to recover from",
                  "'gpubox down " + name + "' deletes what is left");
    }
    aws::Instance old = found.front();
    if (old.state.code == kRunning || old.state.code == kPending) {
      progress_ << "gpubox: " << name << " is " << old.state.name << "; nothing to recover\n";
      return box;
    }
    for (int wait_idx = 0; old.state.code == kStopping && wait_idx < 6000; ++wait_idx) {
      env_.clock->SleepMicros(cloud_.StatePollMicros());
      auto again = GPUBOX_TRY(
          cloud_.DescribeInstances(box.region, {aws::Filter{"instance-id", {box.instance_id}}}));
      if (!again.empty()) old = again.front();
    }
    if (old.state.code != kStopped) {
      return Fail(ErrorCode::kCloud, "instance " + old.instance_id + " is " + old.state.name +
                                         ", not stopped: cannot image its disk");
    }
    box.recovering_from = old.instance_id;
    GPUBOX_TRY_VOID(store_.Save(box));
    int64_t since = TransitionTime(old);
    Event(name,
          "started: " + old.instance_id + " stopped in " + InstanceZone(old) +
              (InterruptedBySpot(old) ? " by a spot interruption" : "") +
              (since > 0
                   ? " for " + std::to_string(env_.clock->NowMicros() / 1'000'000 - since) + " s"
                   : ""));
    progress_ << "gpubox: recovering " << name << " from the disk of " << old.instance_id << '\n';
  } else {
    progress_ << "gpubox: continuing the recovery of " << name << " from " << box.recovering_from
              << '\n';
  }
  std::string old_id = box.recovering_from;
  GPUBOX_TRY(ImageOfOldDisk(box));
  box = GPUBOX_TRY(LaunchReplacement(box, options));
  GPUBOX_TRY_VOID(RetireOld(box, old_id));
  if (auto gone = cloud_.DeregisterImage(box.region, box.recovery_image); gone) {
    Event(name, "deleted the intermediate image " + box.recovery_image);
  } else {
    progress_ << "gpubox: could not delete the intermediate image " << box.recovery_image << ": "
              << gone.error().message << '\n';
  }
  box.recovering_from.clear();
  box.recovery_image.clear();
  box.state = BoxState::kRunning;
  GPUBOX_TRY_VOID(store_.Save(box));
  Lifecycle lifecycle(env_, cloud_, store_, paths_, progress_);
  GPUBOX_TRY_VOID(lifecycle.RefreshSshConfig());
  Event(name, "done: " + box.instance_id + " " + box.instance_type + " in " + box.zone + " at " +
                  box.public_ip + ", replacing " + old_id);
  return box;
}

Result<std::string> Recovery::ImageOfOldDisk(BoxRecord& box) {
  if (box.recovery_image.empty()) {
    std::string image_name = "gpubox-recover-" + box.name + "-" + box.recovering_from;
    // CreateImage answers the existing image of that name (an earlier run made it).
    box.recovery_image = GPUBOX_TRY(
        cloud_.CreateImage(box.region, box.recovering_from, image_name,
                           {{kBoxTag, box.name}, {"gpubox:recovering-from", box.recovering_from}}));
    GPUBOX_TRY_VOID(store_.Save(box));
    Event(box.name, "image " + box.recovery_image + " of the disk of " + box.recovering_from);
    progress_ << "gpubox: imaging the disk of " << box.recovering_from << " as "
              << box.recovery_image << '\n';
  }
  int64_t deadline = env_.clock->NowMicros() + 1800LL * 1'000'000;
  while (true) {
    auto images =
        GPUBOX_TRY(cloud_.DescribeImages(box.region, {{"image-id", {box.recovery_image}}}, {}));
    if (!images.empty() && images.front().state == "available") break;
    if (images.empty() || images.front().state == "failed") {
      // Gone or failed: a fresh one next time.
      std::string failed = box.recovery_image;
      box.recovery_image.clear();
      GPUBOX_TRY_VOID(store_.Save(box));
      return Fail(ErrorCode::kCloud, "the image " + failed + " of the old disk failed",
                  "'gpubox recover " + box.name + "' again makes a new one");
    }
    if (env_.clock->NowMicros() > deadline) {
      return Fail(ErrorCode::kCloud, "the image " + box.recovery_image + " is still baking",
                  "'gpubox recover " + box.name + "' again continues with it");
    }
    env_.clock->SleepMicros(200'000);
  }
  return box.recovery_image;
}

Result<BoxRecord> Recovery::LaunchReplacement(BoxRecord box, const RecoverOptions& options) {
  Provisioner provisioner(env_, cloud_, store_, catalog_, paths_, progress_);
  // A new instance an earlier run launched (pending..stopped, not the old one): that one.
  auto tagged = GPUBOX_TRY(cloud_.DescribeInstances(
      box.region,
      {aws::Filter{std::string("tag:") + kBoxTag, {box.name}},
       aws::Filter{"instance-state-name", {"pending", "running", "stopping", "stopped"}}}));
  UpOptions up;
  up.name = box.name;
  up.requirements.gpu = SameGpus(catalog_, box.instance_type);
  up.requirements.regions = {box.region};
  up.requirements.spot = box.market == Market::kSpot;
  up.requirements.on_demand = box.market == Market::kOnDemand;
  up.image = box.recovery_image;
  up.disk_gib = box.disk_gib;
  up.framework = box.framework;
  up.setup = false;
  up.ssh_timeout_ms = options.ssh_timeout_ms;
  std::string original_image = box.image_id;
  // The new instance has its own host key.
  (void)env_.files->Remove(paths_.known_hosts(box.name));
  BoxRecord launched;
  for (const aws::Instance& instance : tagged) {
    if (instance.instance_id == box.recovering_from) continue;
    progress_ << "gpubox: found " << instance.instance_id
              << " already launched for the recovery; continuing with it\n";
    box.instance_id = instance.instance_id;
    box.zone = InstanceZone(instance);
    box.instance_type = instance.instance_type;
    GPUBOX_TRY_VOID(store_.Save(box));
    if (instance.state.code == kStopped) {
      GPUBOX_TRY_VOID(cloud_.StartInstance(box.region, instance.instance_id));
    }
    box.image_id = box.recovery_image;
    launched = GPUBOX_TRY(provisioner.AwaitLaunched(box, up));
    break;
  }
  if (launched.instance_id.empty()) {
    box.instance_id.clear();
    launched = GPUBOX_TRY(provisioner.Relaunch(box, up));
  }
  launched.image_id = original_image;
  launched.recovering_from = box.recovering_from;
  launched.recovery_image = box.recovery_image;
  GPUBOX_TRY_VOID(store_.Save(launched));
  Event(box.name, "launched " + launched.instance_id + " " + launched.instance_type + " in " +
                      launched.zone + " from " + box.recovery_image);
  return launched;
}

Result<void> Recovery::RetireOld(const BoxRecord& box, const std::string& old_id) {
  auto found =
      GPUBOX_TRY(cloud_.DescribeInstances(box.region, {aws::Filter{"instance-id", {old_id}}}));
  if (found.empty() || found.front().state.code == kTerminated) return {};
  const aws::Instance& old = found.front();
  if (!old.spot_instance_request_id.empty()) {
    GPUBOX_TRY_VOID(cloud_.CancelSpotRequest(box.region, old.spot_instance_request_id));
    Event(box.name, "cancelled spot request " + old.spot_instance_request_id + " of " + old_id);
  }
  GPUBOX_TRY_VOID(cloud_.TerminateInstance(box.region, old_id));
  progress_ << "gpubox: terminating the old instance " << old_id << '\n';
  for (int wait_idx = 0; wait_idx < 6000; ++wait_idx) {
    auto left =
        GPUBOX_TRY(cloud_.DescribeInstances(box.region, {aws::Filter{"instance-id", {old_id}}}));
    if (left.empty() || left.front().state.code == kTerminated) break;
    env_.clock->SleepMicros(cloud_.StatePollMicros());
  }
  Event(box.name, "terminated the old instance " + old_id);
  return {};
}

}  // namespace gpubox
