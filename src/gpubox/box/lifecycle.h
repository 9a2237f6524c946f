#pragma once
/// What happens to a box after `up`: list (reconciled with the cloud's tags),
/// stop, start, down, image, and the ssh config include kept in step.

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "gpubox/box/paths.h"
#include "gpubox/box/run_ledger.h"
#include "gpubox/box/ssh.h"
#include "gpubox/cloud/cloud.h"
#include "gpubox/state/box_store.h"

namespace gpubox {

/// One row of `gpubox ls`.
struct BoxListing {
  BoxRecord box;            ///< for an orphan: what the cloud told
  std::string cloud_state;  ///< the cloud's state name ("running"), or "missing"
  bool orphan = false;      ///< tagged by gpubox in the cloud, unknown to the store
  int64_t uptime_seconds = 0;
  double cost_usd = 0;  ///< running time so far × $/h
  BoxCost cost;         ///< from the recorded run intervals (compute and disk)
  BudgetLeft budget_left;
  /// A spot box the cloud stopped on an interruption: since when (Unix seconds); 0 otherwise.
  int64_t interrupted_since = 0;
};

/// What `down` deletes.
struct DownPlan {
  std::string instance_id;
  std::string region;
  std::string security_group_id;
  std::string key_name;
  std::string key_path;
  bool spot = false;               ///< its spot request is cancelled before it is terminated
  std::vector<std::string> lines;  ///< one per resource, for the confirmation
};

class Lifecycle {
 public:
  Lifecycle(Env& env, Cloud& cloud, BoxStore& store, GpuboxPaths paths, std::ostream& progress);

  /// Every box of this cloud in the store, plus tagged instances it does not know.
  Result<std::vector<BoxListing>> List();
  /// Stops the instance (the disk is kept, and billed); a cluster's, every node's.
  Result<BoxRecord> Stop(const std::string& name);
  /// Starts a stopped box (a cluster: every node) and waits for SSH.
  Result<BoxRecord> Start(const std::string& name, int ssh_timeout_ms = 120000);
  /// What Down deletes; a cluster's nodes and placement group too.
  Result<DownPlan> PlanDown(const std::string& name);
  /// Terminates the instance and deletes what gpubox made only for it.
  Result<void> Down(const DownPlan& plan, const std::string& name);
  /// Bakes an image of the box's disk; returns the image id.
  Result<std::string> MakeImage(const std::string& name, const std::string& image_name);
  /// Images made by this account in the regions of this cloud.
  Result<std::vector<aws::Image>> Images();
  /// Rewrites the ssh config include from the running boxes.
  Result<void> RefreshSshConfig();

  SshTarget TargetOf(const BoxRecord& box) const { return BoxSshTarget(box, paths_); }
  /// The box, which must exist and be running (kUsage with a hint otherwise).
  Result<BoxRecord> RunningBox(const std::string& name);

 private:
  Result<BoxRecord> StopOne(const std::string& name);
  Result<BoxRecord> StartOne(const std::string& name, int ssh_timeout_ms);
  /// A node 1.. of a cluster: its instance only (the group and key are node 0's to delete).
  DownPlan PlanDownOne(const BoxRecord& box);
  Result<void> DownOne(const DownPlan& plan, const std::string& name);
  /// Terminates (and waits for) the instances tagged with the box's name that no record
  /// names (an `up` cut off before it recorded them, a launch answered with an error after it
  /// took effect), node 0's own excepted; a spot one's request cancelled first.
  Result<void> TerminateUnrecorded(const BoxRecord& box);
  Result<aws::Instance> Describe(const BoxRecord& box);
  /// Waits for the instance to reach `state_code`; returns it.
  Result<aws::Instance> WaitFor(const BoxRecord& box, int state_code, int timeout_ms);
  int64_t Now() const { return env_.clock->NowMicros() / 1'000'000; }
  void Event(const std::string& box, const std::string& kind, const std::string& message) {
    (void)store_.AddEvent({Now(), box, kind, message});
  }

  Env& env_;
  Cloud& cloud_;
  BoxStore& store_;
  GpuboxPaths paths_;
  std::ostream& progress_;
};

}  // namespace gpubox
