// Provisioner: what a failed setup phase leaves (the log copied here, the box kept and
// stopped, or deleted) and how `up` resumes a kept box.

#include <ostream>

#include "gpubox/box/provisioner.h"
#include "gpubox/box/run_ledger.h"
#include "gpubox/box/setup_log.h"
#include "gpubox/catalog/disk_price.h"
#include "gpubox/util/strings.h"

namespace gpubox {

Error Provisioner::SetupFailed(BoxRecord box, const UpOptions& options,
                               const SetupFailure& failure) {
  // First the log, while the box still runs: the reason must outlive whatever happens next.
  std::string copy = SetupLogCopyPath(paths_, box.name, env_.clock->NowMicros() / 1'000'000);
  std::string log_at = copy;
  if (auto copied = CopySetupLog(env_, TargetOf(box), copy, failure.output); !copied) {
    progress_ << "gpubox: could not copy the setup log: " << copied.error().message << '\n';
    log_at = "~/.gpubox/setup.log on the box";
  } else {
    progress_ << "gpubox: the whole setup log is copied to " << copy
              << (*copied ? "" : " (what the session printed: the box could not give its own)")
              << '\n';
  }
  Event(box.name, "setup",
        "failed at " + failure.phase + ": " + failure.reason + "; log at " + log_at);
  std::string what =
      "setup phase " + failure.phase + " failed on " + box.name + ": " + failure.reason;
  if (options.rm_on_failure) {
    progress_ << "gpubox: deleting " << box.name << " (--rm-on-failure)\n";
    CleanUp(box, {box.region});
    return Error(ErrorCode::kCloud, what, "the whole log is at " + log_at + "; the box is deleted");
  }
  if (auto stopped = KeepStopped(box, failure.phase); !stopped) {
    return Error(
        ErrorCode::kCloud, what + " (and it could not be stopped: " + stopped.error().message + ")",
        "the whole log is at " + log_at + "; it is still running and billed at $" +
            FormatDouble(box.price_usd_hr) + "/h: 'gpubox down " + box.name + "' deletes it");
  }
  double monthly_usd = box.disk_gib * DiskUsdPerGibMonth(box.region);
  progress_ << "gpubox: kept " << box.name << " stopped, to resume: its " << box.disk_gib
            << " GiB disk is still billed, about $" << FormatFixed(monthly_usd, 2) << " a month\n";
  return Error(ErrorCode::kCloud, what,
               "the whole log is at " + log_at + "; 'gpubox up " + box.name + "' resumes at " +
                   failure.phase + ", 'gpubox down " + box.name + "' deletes the box");
}

Result<void> Provisioner::KeepStopped(BoxRecord& box, const std::string& phase) {
  CloseSshMaster(env_, TargetOf(box));
  box.state = BoxState::kSetupFailed;
  box.failed_phase = phase;
  GPUBOX_TRY_VOID(store_.Save(box));  // recorded first: a stop that fails still shows it
  progress_ << "gpubox: stopping " << box.instance_id << '\n';
  GPUBOX_TRY_VOID(cloud_.StopInstance(box.region, box.instance_id));
  int64_t deadline = env_.clock->NowMicros() + 600'000'000;
  while (true) {
    auto instances = GPUBOX_TRY(
        cloud_.DescribeInstances(box.region, {aws::Filter{"instance-id", {box.instance_id}}}));
    if (!instances.empty() && instances.front().state.code == aws::instance_state::kStopped) {
      GPUBOX_TRY_VOID(
          RecordInstanceState(store_, box, instances.front(), env_.clock->NowMicros() / 1'000'000));
      break;
    }
    if (env_.clock->NowMicros() > deadline) {
      return Fail(ErrorCode::kCloud, "instance " + box.instance_id + " did not stop in 600 s");
    }
    env_.clock->SleepMicros(cloud_.StatePollMicros());
  }
  int64_t now = env_.clock->NowMicros() / 1'000'000;
  if (box.running_since > 0) box.billed_seconds += now - box.running_since;
  box.running_since = 0;
  GPUBOX_TRY_VOID(store_.Save(box));
  Event(box.name, "stop", box.instance_id + " kept after setup failed at " + phase);
  return {};
}

Result<void> Provisioner::StartIfStopped(const BoxRecord& box, const aws::Instance& instance) {
  int code = instance.state.code;
  if (code != aws::instance_state::kStopped && code != aws::instance_state::kStopping) return {};
  if (code == aws::instance_state::kStopping) {  // EC2 starts only a stopped instance
    int64_t deadline = env_.clock->NowMicros() + 600'000'000;
    while (true) {
      env_.clock->SleepMicros(cloud_.StatePollMicros());
      auto now = GPUBOX_TRY(
          cloud_.DescribeInstances(box.region, {aws::Filter{"instance-id", {box.instance_id}}}));
      if (!now.empty() && now.front().state.code == aws::instance_state::kStopped) break;
      if (env_.clock->NowMicros() > deadline) {
        return Fail(ErrorCode::kCloud, "instance " + box.instance_id + " is still stopping");
      }
    }
  }
  progress_ << "gpubox: starting " << box.instance_id << '\n';
  GPUBOX_TRY_VOID(cloud_.StartInstance(box.region, box.instance_id));
  Event(box.name, "start", box.instance_id + " to resume setup");
  return {};
}

}  // namespace gpubox
