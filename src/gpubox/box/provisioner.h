#pragma once
/// `gpubox up`: from requirements to a set-up box (DESIGN.md, "the way the data
/// flows"). Offers ranked by price, quota checked per region, a key pair and a
/// security group made for the box, RunInstances with a ClientToken and tags,
/// failover across zones, regions and offers, the wait for SSH, setup in
/// phases, the record. A failure to launch leaves nothing running or half-made; a rerun
/// after a crash continues with the same instance. A failed setup phase keeps the box,
/// stopped, with its log copied here (or deletes it: `rm_on_failure`); `up` again starts it
/// and resumes at that phase.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "gpubox/box/agent_settings.h"
#include "gpubox/box/cluster.h"
#include "gpubox/box/paths.h"
#include "gpubox/box/quota_check.h"
#include "gpubox/box/ssh.h"
#include "gpubox/catalog/catalog.h"
#include "gpubox/catalog/requirements.h"
#include "gpubox/cloud/cloud.h"
#include "gpubox/state/box_store.h"

namespace gpubox {

/// The workload manager a cluster gets (`up --scheduler`): none (torchrun needs none) or Slurm.
enum class Scheduler { kNone, kSlurm };

struct UpOptions {
  std::string name;
  Requirements requirements;
  std::string instance_type;  ///< only this type, when set
  int disk_gib = 64;
  std::string image;  ///< an image id or the name of one of yours; default per cloud
  std::string framework = "pytorch";
  std::string notebooks;       ///< a local directory to upload, or (AWS) a zip URL
  std::string caller_cidr;     ///< who may SSH in, e.g. "203.0.113.7/32"
  bool setup = true;           ///< false: launch and wait for SSH only
  bool rm_on_failure = false;  ///< a failed setup deletes the box instead of keeping it stopped
  int max_offers = 8;          ///< distinct offers to try before giving up
  int ssh_timeout_ms = 120000;
  int running_timeout_ms = 300000;
  int64_t started_us = 0;  ///< when the command began (the timeline's origin); 0: at Up()
  AgentSettings agent;     ///< idle auto-stop and budget, enforced on the box
  /// A cluster of this many nodes (`up --nodes N`: one RunInstances of N in a cluster
  /// placement group, all traffic among the nodes, each wired for torchrun); 1: a lone box.
  int nodes = 1;
  /// kSlurm: slurmctld on node 0, slurmd on every node, one partition of all (a cluster only).
  Scheduler scheduler = Scheduler::kNone;
};

/// One offer to try, with its quota verdict.
struct LaunchCandidate {
  const Offer* offer = nullptr;
  std::string instance_type;
  std::string region;
  Market market = Market::kOnDemand;
  double price_usd_hr = 0;
  QuotaVerdict quota;
};

/// A setup that ran on the box and failed there.
struct SetupFailure {
  std::string phase;   ///< the phase that failed, or was running when the session ended
  std::string reason;  ///< for the error line: the failing command and its exit status, or why
  std::string output;  ///< what the session printed: the log's copy if the box cannot give it
};

struct UpPlan {
  std::vector<LaunchCandidate> candidates;  ///< in the order they will be tried
  std::string setup_script;
};

class Provisioner {
 public:
  /// `progress` gets one line per step (stderr in the CLI).
  Provisioner(Env& env, Cloud& cloud, BoxStore& store, const Catalog& catalog, GpuboxPaths paths,
              std::ostream& progress);

  /// What `up` would do: the candidates with quota verdicts and the script.
  Result<UpPlan> Plan(const UpOptions& options);
  /// Makes (or, after a crash, continues) the box and returns its record.
  Result<BoxRecord> Up(const UpOptions& options);

  /// `recover`'s launch: `box` as recorded (name, key pair, group, created_at, with
  /// recovering_from set, which changes the ClientTokens) launched from options.image with
  /// up's failover over Plan(options)'s candidates, then the wait for SSH. Unlike Up, it
  /// deletes nothing when no offer launches.
  Result<BoxRecord> Relaunch(BoxRecord box, const UpOptions& options);
  /// Waits for the box's instance (launched by an earlier run) to run and answer SSH.
  Result<BoxRecord> AwaitLaunched(BoxRecord box, const UpOptions& options) {
    return WaitUntilReady(std::move(box), options);
  }

  SshTarget TargetOf(const BoxRecord& box) const;
  /// Runs the setup phases in one SSH session, with live per-phase progress. Returns the
  /// failure when a phase failed on the box; an Error when setup could not run at all.
  Result<std::optional<SetupFailure>> RunSetup(const BoxRecord& box, const UpOptions& options);
  /// Gives a new instance its own Jupyter token and (local cloud) the sample notebook;
  /// returns the setup phases its disk already holds (an image's).
  Result<std::vector<std::string>> PrepareBox(const BoxRecord& box);

 private:
  /// The launch loop with failover; on failure deletes what the box made when
  /// `clean_up_on_failure` (up), nothing otherwise (recover).
  Result<BoxRecord> Launch(BoxRecord box, const UpOptions& options, const UpPlan& plan,
                           bool clean_up_on_failure = true);
  /// The instances of this box (of each node of a cluster) the cloud already has
  /// (pending..stopped), in launch-index order; none when there are none.
  Result<std::vector<aws::Instance>> FindExisting(const std::string& name);
  /// Records nodes 1..N-1 of a cluster (boxes NAME-i) for `instances` (node 0 is `box`), then
  /// waits for every node as WaitUntilReady does; a lone box: WaitUntilReady.
  Result<BoxRecord> WaitForNodes(BoxRecord box, const std::vector<aws::Instance>& instances,
                                 const UpOptions& options);
  /// Every node of a cluster knows the others: /etc/hosts and its environment
  /// (scripts/cluster.sh), from the nodes' private addresses (returned, node 0 first).
  Result<std::vector<std::string>> WireCluster(const std::vector<BoxRecord>& nodes);
  /// Slurm on a wired cluster (scripts/slurm.sh): installed on every node, configured
  /// alike from node 0's hardware with one new munge key, and waited for until every node is
  /// idle in `sinfo` on node 0.
  Result<void> SetUpSlurm(const std::vector<BoxRecord>& nodes,
                          const std::vector<std::string>& private_ips);
  /// Prepares, wires and sets up every node of a cluster; on a failure deletes it all.
  Result<void> SetUpCluster(const BoxRecord& box, const UpOptions& options);
  /// The image to launch: --image (an id or one of your images' names), else
  /// the newest Deep Learning AMI for the type's architecture.
  Result<aws::Image> ResolveImage(const std::string& region, const UpOptions& options,
                                  const InstanceType& type);
  Result<void> EnsureAccess(BoxRecord& box, const std::string& region, const UpOptions& options);
  Result<BoxRecord> WaitUntilReady(BoxRecord box, const UpOptions& options);
  /// True when `done` (from PrepareBox) holds every setup phase: then the phases are shown
  /// as skipped and recorded in `box` (not saved), and no setup session is needed.
  bool SkipSetupHeldByImage(BoxRecord& box, const std::vector<std::string>& done);
  /// After a failed phase: the whole setup log copied here first, then the box kept and
  /// stopped (or deleted: --rm-on-failure); the
  /// error names the phase, the reason and the copy.
  Error SetupFailed(BoxRecord box, const UpOptions& options, const SetupFailure& failure);
  /// Stops a box kept after a failed setup and records it as kSetupFailed.
  Result<void> KeepStopped(BoxRecord& box, const std::string& phase);
  /// A kept box's instance found stopped (or stopping) is started again, to resume setup.
  Result<void> StartIfStopped(const BoxRecord& box, const aws::Instance& instance);
  /// Deletes what was made for a box that failed to come up.
  void CleanUp(const BoxRecord& box, const std::vector<std::string>& regions_touched);
  void Event(const std::string& box, const std::string& kind, const std::string& message);
  /// Ends a step of the up's timeline: an event of kind "step" ("ssh 0.412 s"), so
  /// `gpubox events NAME` shows where the time of an up went.
  void StepDone(const std::string& box, const std::string& step);
  /// The setup script for these options (what Plan() puts in UpPlan::setup_script).
  std::string SetupScriptFor(const UpOptions& options) const;

  Env& env_;
  Cloud& cloud_;
  BoxStore& store_;
  const Catalog& catalog_;
  GpuboxPaths paths_;
  std::ostream& progress_;
  int64_t step_started_us_ = 0;
};

/// The ClientToken of one launch attempt: the same box (first-attempt time
/// included), offer and zone give the same token, so a rerun after a crash gets
/// the instance the first run made instead of a second one.
std::string LaunchClientToken(const BoxRecord& box, const LaunchCandidate& candidate,
                              const std::string& zone);

/// The root disk for an image: the size asked for, or the image's root
/// snapshot size when that is larger (EC2 refuses a smaller volume).
int RootDiskGib(const aws::Image& image, int asked_gib);

/// Names a box may have: 1-40 of [a-z0-9-], starting with a letter.
Result<void> ValidateBoxName(const std::string& name);

/// True for launch errors worth trying elsewhere; `next_zone` is set when the
/// next zone of the same region may do (capacity), else the next offer.
bool IsFailoverError(const Error& error, bool* next_zone);

}  // namespace gpubox
