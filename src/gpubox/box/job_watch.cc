#include "gpubox/box/job_watch.h"

#include <ostream>

#include "gpubox/box/box_lock.h"
#include "gpubox/box/instance_facts.h"

namespace gpubox {
namespace {

bool Ended(const std::string& state) {
  return state == "done" || state == "failed" || state == "cancelled";
}

}  // namespace

JobWatch::JobWatch(Env& env, Cloud& cloud, BoxStore& store, const Catalog& catalog,
                   GpuboxPaths paths, std::ostream& progress)
    : env_(env),
      cloud_(cloud),
      store_(store),
      catalog_(catalog),
      paths_(std::move(paths)),
      progress_(progress) {}

Result<JobInfo> JobWatch::Watch(const std::string& name, const std::string& job_id,
                                const WatchOptions& options) {
  auto now_s = [this] { return env_.clock->NowMicros() / 1'000'000; };
  int64_t lost_since = 0;     // when the job was first seen lost with the box answering
  int64_t stopped_since = 0;  // when the box was first seen stopped, if its instance says not
  std::string last_state;
  while (true) {
    BoxRecord box = GPUBOX_TRY(store_.Load(name));
    auto found = GPUBOX_TRY(
        cloud_.DescribeInstances(box.region, {aws::Filter{"instance-id", {box.instance_id}}}));
    if (found.empty()) return Fail(ErrorCode::kNotFound, "the instance of '" + name + "' is gone");
    const aws::Instance& instance = found.front();
    int code = instance.state.code;
    if (code == aws::instance_state::kRunning) {
      stopped_since = 0;
      std::string address = !instance.public_ip_address.empty() ? instance.public_ip_address
                                                                : instance.private_ip_address;
      if (!address.empty()) box.public_ip = address;
      auto jobs = ListJobs(env_, BoxSshTarget(box, paths_));
      if (jobs) {
        for (const JobInfo& job : *jobs) {
          if (job.id != job_id) continue;
          if (job.state != last_state) {
            progress_ << "gpubox: job " << job_id << " is " << job.state << '\n';
            last_state = job.state;
          }
          if (Ended(job.state)) return job;
          if (job.state == "lost") {
            if (lost_since == 0) lost_since = now_s();
            if (now_s() - lost_since >= options.lost_grace_s) return job;
          } else {
            lost_since = 0;
          }
        }
      }
    } else if (code == aws::instance_state::kStopped || code == aws::instance_state::kStopping) {
      if (!InterruptedBySpot(instance) && box.recovering_from.empty()) {
        return Fail(ErrorCode::kUsage,
                    "box '" + name + "' was stopped; job " + job_id + " is interrupted",
                    "'gpubox start " + name + "' brings the box back");
      }
      if (stopped_since == 0) {
        int64_t since = TransitionTime(instance);
        stopped_since = since > 0 ? since : now_s();
        progress_ << "gpubox: " << name << " is interrupted; waiting for the cloud to start it "
                  << "again, recovering it elsewhere after " << options.recover_after_s
                  << " s of interruption\n";
      }
      if (now_s() - stopped_since >= options.recover_after_s) {
        progress_ << "gpubox: " << name << " interrupted for " << now_s() - stopped_since
                  << " s; recovering it\n";
        LockFile lock = GPUBOX_TRY(
            LockBox(env_, paths_, name, env_.clock->NowMicros() + 600'000'000, progress_));
        Recovery recovery(env_, cloud_, store_, catalog_, paths_, progress_);
        GPUBOX_TRY(recovery.Recover(name, {}));
        stopped_since = 0;
        lost_since = 0;
        continue;
      }
    }
    env_.clock->SleepMicros(options.poll_ms * 1000);
  }
}

}  // namespace gpubox
