#pragma once
/// `gpubox run --recover`: a run that stays to see its job through. gpubox is not a daemon,
/// so "recovers without being asked" means: the command that started the job keeps
/// watching it (as `logs -f` would) until it ends, and while it watches:
///  - the box runs: the job's state is read over SSH every poll;
///  - the box is interrupted (its spot instance stopped by the cloud): it waits for the
///    cloud to start it again; once the interruption has lasted `recover_after_s`, it runs
///    `recover` (box/recovery.h) and watches the job on the recovered box;
///  - the job ends (done, failed, cancelled): it returns the job's last state;
///  - the job is lost (the box stopped under it) and nothing restarts it within
///    `lost_grace_s` of the box answering again: it returns it as lost. Restarting jobs
///    after a reboot is the on-box agent's business (it restarts jobs interrupted by a
///    notice); without the agent a lost job stays lost.
/// A box the user stopped ends the watch with an error.

#include <cstdint>
#include <iosfwd>
#include <string>

#include "gpubox/box/jobs.h"
#include "gpubox/box/recovery.h"

namespace gpubox {

struct WatchOptions {
  int64_t recover_after_s = 600;
  int64_t poll_ms = 5000;
  int64_t lost_grace_s = 120;
};

class JobWatch {
 public:
  JobWatch(Env& env, Cloud& cloud, BoxStore& store, const Catalog& catalog, GpuboxPaths paths,
           std::ostream& progress);

  /// Watches job `job_id` of box `name` as above; returns its last state.
  Result<JobInfo> Watch(const std::string& name, const std::string& job_id,
                        const WatchOptions& options);

 private:
  Env& env_;
  Cloud& cloud_;
  BoxStore& store_;
  const Catalog& catalog_;
  GpuboxPaths paths_;
  std::ostream& progress_;
};

}  // namespace gpubox
