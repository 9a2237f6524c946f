/// Jobs on a box: run (detached, output logged on the box), jobs, cancel. `logs NAME [JOB]`
/// is in logs_command.cc.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <ostream>

#include "gpubox/box/cluster.h"
#include "gpubox/box/job_watch.h"
#include "gpubox/box/jobs.h"
#include "gpubox/box/lifecycle.h"
#include "gpubox/cli/cloud_session.h"
#include "gpubox/cli/commands.h"
#include "gpubox/cli/requirement_flags.h"
#include "gpubox/cli/table.h"
#include "gpubox/sys/file_system.h"

namespace gpubox {
namespace {

/// A command about the jobs of one running box.
class JobCommand : public Command {
 public:
  JobCommand(const char* name, const char* summary) : name_(name), summary_(summary) {}
  const char* name() const override { return name_; }
  const char* summary() const override { return summary_; }
  void Configure(CLI::App& app) override {
    app.add_option("name", box_, "the box")->required();
    cloud_flags_.Add(app);
    AddFlags(app);
  }
  Result<int> Run(CommandContext& context) override {
    auto session = GPUBOX_TRY(CloudSession::Open(context.env, cloud_flags_, false, context.err));
    Lifecycle lifecycle(context.env, session->cloud(), session->store(), session->paths(),
                        context.err);
    BoxRecord box = GPUBOX_TRY(lifecycle.RunningBox(box_));
    session_ = session.get();
    lifecycle_ = &lifecycle;
    record_ = box;
    return Act(context, lifecycle.TargetOf(box));
  }

 protected:
  /// Every node of the cluster the box heads (node 0 first; each must run), for --all-nodes.
  Result<std::vector<std::pair<std::string, SshTarget>>> AllNodes() {
    if (!record_.HeadsCluster()) {
      return Fail(ErrorCode::kUsage, "'" + box_ + "' is not a cluster",
                  record_.IsNodeOfCluster() ? "use the cluster's name, " + record_.cluster
                                            : "'gpubox up NAME --nodes N' makes one");
    }
    std::vector<std::pair<std::string, SshTarget>> nodes;
    for (const BoxRecord& node : GPUBOX_TRY(ClusterNodes(session_->store(), record_))) {
      BoxRecord running = GPUBOX_TRY(lifecycle_->RunningBox(node.name));
      nodes.emplace_back(node.name, lifecycle_->TargetOf(running));
    }
    return nodes;
  }

  CloudSession* session_ = nullptr;  ///< during Act()
  Lifecycle* lifecycle_ = nullptr;   ///< during Act()
  BoxRecord record_;                 ///< the box's, during Act()
  virtual void AddFlags(CLI::App& app) {}
  virtual Result<int> Act(CommandContext& context, const SshTarget& target) = 0;
  std::string box_;

 private:
  const char* name_;
  const char* summary_;
  CloudFlags cloud_flags_;
};

class RunCommand : public JobCommand {
 public:
  RunCommand()
      : JobCommand("run", "start a job on a box, detached, its output logged there (-- CMD ...)") {}
  bool TakesTrailingArgs() const override { return true; }
  void AddFlags(CLI::App& app) override {
    app.add_option("--workdir", workdir_,
                   "a local directory copied to the box; the job runs in it");
    app.add_option("--name", job_, "the job's name (default job-YYYYMMDD-HHMMSS)");
    app.add_flag("--all-nodes", all_nodes_,
                 "on every node of the cluster NAME, as one job (same id); $VAR in the "
                 "command (quote it here) is expanded on each node: $GPUBOX_NODE_RANK, ...");
    app.add_option("--restart", restart_,
                   "when the box's agent starts it again: on-interruption (default: after a spot "
                   "interruption, once the box is back), never, on-failure (also after a "
                   "non-zero exit)");
    app.add_option("--max-restarts", max_restarts_,
                   "on-failure: restarts after non-zero exits, at most (default 3)");
    app.add_flag("--recover", recover_,
                 "stay and see the job through: wait while the box is interrupted, recover it "
                 "elsewhere once the interruption lasts --recover-after; exit with the job's "
                 "status");
    app.add_option("--recover-after", recover_after_,
                   "with --recover: how long an interruption may last before recovering "
                   "(seconds, or 30s, 10m, 1h; default 10m)");
  }
  Result<int> Act(CommandContext& context, const SshTarget& target) override {
    if (context.trailing_args.empty()) {
      return Fail(ErrorCode::kUsage, "run needs a command", "gpubox run NAME -- CMD ARGS...");
    }
    JobSpec job{job_, "", context.trailing_args};
    job.restart = GPUBOX_TRY(ParseRestartPolicy(restart_));
    if (max_restarts_ < 0 || max_restarts_ > 1000) {
      return Fail(ErrorCode::kUsage, "--max-restarts must be between 0 and 1000");
    }
    job.max_restarts = max_restarts_;
    if (job.id.empty()) job.id = NewJobId(context.env.clock->NowMicros() / 1'000'000);
    GPUBOX_TRY_VOID(ValidateJobName(job.id));
    if (all_nodes_ && recover_) {
      return Fail(ErrorCode::kUsage, "--recover watches one box, not --all-nodes");
    }
    std::vector<std::pair<std::string, SshTarget>> nodes = {{box_, target}};
    if (all_nodes_) {
      nodes = GPUBOX_TRY(AllNodes());
      job.expand_variables = true;
    }
    if (!workdir_.empty() && !context.env.files->Exists(workdir_)) {
      return Fail(ErrorCode::kUsage, "no directory " + workdir_,
                  "--workdir takes a local directory");
    }
    for (size_t node_idx = 0; node_idx < nodes.size(); ++node_idx) {
      auto started = StartOn(context, nodes[node_idx].second, job);
      if (!started) {  // one job or none: the nodes that started it cancel it
        for (size_t undo = 0; undo < node_idx; ++undo) {
          (void)CancelJob(context.env, nodes[undo].second, job.id, 0);
        }
        return std::unexpected(started.error());
      }
    }
    context.err << "gpubox: started"
                << (all_nodes_ ? " on " + std::to_string(nodes.size()) + " nodes" : "")
                << "; 'gpubox logs " << box_ << " " << job.id << " -f' follows it"
                << (all_nodes_ ? " (node 0; 'gpubox logs " + box_ + "-1 ...' node 1's)" : "")
                << ", 'gpubox cancel " << box_ << " " << job.id << "' stops it\n";
    context.out << job.id << '\n';
    if (!recover_) return 0;
    return Watch(context, job.id);
  }

 private:
  /// The workdir copied to one box, then the job started there.
  Result<void> StartOn(CommandContext& context, const SshTarget& target, JobSpec job) {
    if (!workdir_.empty()) {
      std::string base = workdir_;
      while (base.size() > 1 && base.ends_with('/')) base.pop_back();
      base = base.substr(base.rfind('/') + 1);
      if (base.empty() || base == "." || base == "..") base = "workdir";
      context.err << "gpubox: copying " << workdir_ << " to ~/work/" << base << '\n';
      job.workdir = GPUBOX_TRY(SyncWorkdir(context.env, target, workdir_, "work/" + base));
    }
    return StartJob(context.env, target, job);
  }

  /// --recover: the job seen through (box/job_watch.h); the exit status is the job's.
  Result<int> Watch(CommandContext& context, const std::string& job_id) {
    WatchOptions options;
    options.recover_after_s = GPUBOX_TRY(ParseDurationSeconds("--recover-after", recover_after_));
    if (auto poll = context.env.Var("GPUBOX_WATCH_POLL_SECONDS")) {
      options.poll_ms = static_cast<int64_t>(
                            GPUBOX_TRY(ParseDurationSeconds("GPUBOX_WATCH_POLL_SECONDS", *poll))) *
                        1000;
    }
    if (auto grace = context.env.Var("GPUBOX_LOST_JOB_GRACE_SECONDS")) {
      options.lost_grace_s =
          GPUBOX_TRY(ParseDurationSeconds("GPUBOX_LOST_JOB_GRACE_SECONDS", *grace));
    }
    context.err << "gpubox: watching " << job_id << " (--recover after " << options.recover_after_s
                << " s of interruption)\n";
    JobWatch watch(context.env, session_->cloud(), session_->store(), Catalog::Builtin(),
                   session_->paths(), context.err);
    JobInfo job = GPUBOX_TRY(watch.Watch(box_, job_id, options));
    context.err << "gpubox: job " << job.id << " " << job.state
                << (job.exit_status ? " (exit " + std::to_string(*job.exit_status) + ")" : "")
                << '\n';
    if (job.state == "lost") {
      return Fail(ErrorCode::kCloud, "job " + job.id + " was lost when " + box_ + " stopped",
                  "its checkpoints are in ~/.gpubox/checkpoints/" + job.id + " on the box");
    }
    return job.exit_status.value_or(job.state == "done" ? 0 : 1);
  }

  std::string workdir_, job_, restart_ = "on-interruption", recover_after_ = "600";
  int max_restarts_ = 3;
  bool recover_ = false, all_nodes_ = false;
};

class JobsCommand : public JobCommand {
 public:
  JobsCommand()
      : JobCommand("jobs",
                   "list a box's jobs: state, started, exit status, restarts, interruptions") {}
  void AddFlags(CLI::App& app) override { app.add_flag("--json", json_, "print JSON"); }
  Result<int> Act(CommandContext& context, const SshTarget& target) override {
    // A cluster's: every node's jobs (a job run --all-nodes has a row per node).
    bool cluster = record_.HeadsCluster();
    std::vector<std::pair<std::string, SshTarget>> nodes = {{box_, target}};
    if (cluster) nodes = GPUBOX_TRY(AllNodes());
    std::vector<JobInfo> jobs;
    std::vector<std::string> node_of;  ///< by index into jobs
    for (const auto& [node, node_target] : nodes) {
      for (JobInfo& job : GPUBOX_TRY(ListJobs(context.env, node_target))) {
        jobs.push_back(std::move(job));
        node_of.push_back(node);
      }
    }
    if (json_) {
      nlohmann::json out = nlohmann::json::array();
      for (size_t job_idx = 0; job_idx < jobs.size(); ++job_idx) {
        const JobInfo& job = jobs[job_idx];
        out.push_back({{"id", job.id},
                       {"node", node_of[job_idx]},
                       {"command", job.command},
                       {"state", job.state},
                       {"started", job.started},
                       {"exit_status", job.exit_status ? nlohmann::json(*job.exit_status)
                                                       : nlohmann::json(nullptr)},
                       {"restarts", job.restarts},
                       {"last_interruption", job.last_interruption.empty()
                                                 ? nlohmann::json(nullptr)
                                                 : nlohmann::json(job.last_interruption)}});
      }
      context.out << out.dump(2) << '\n';
      return 0;
    }
    if (jobs.empty()) {
      context.err << "gpubox: no jobs on " << box_ << "; 'gpubox run " << box_
                  << " -- CMD' starts one\n";
      return 0;
    }
    std::vector<std::string> header = {"JOB",      "STATE",       "EXIT",   "STARTED",
                                       "RESTARTS", "INTERRUPTED", "COMMAND"};
    if (cluster) header.insert(header.begin() + 1, "NODE");
    Table table(header);
    for (size_t job_idx = 0; job_idx < jobs.size(); ++job_idx) {
      const JobInfo& job = jobs[job_idx];
      std::vector<std::string> row = {job.id,
                                      job.state,
                                      job.exit_status ? std::to_string(*job.exit_status) : "-",
                                      job.started,
                                      std::to_string(job.restarts),
                                      job.last_interruption.empty() ? "-" : job.last_interruption,
                                      job.command};
      if (cluster) row.insert(row.begin() + 1, node_of[job_idx]);
      table.AddRow(row);
    }
    table.Print(context.out);
    return 0;
  }

 private:
  bool json_ = false;
};

class CancelCommand : public JobCommand {
 public:
  CancelCommand()
      : JobCommand("cancel", "stop a job: SIGTERM (its cue to checkpoint), SIGKILL after --grace") {
  }
  void AddFlags(CLI::App& app) override {
    app.add_option("job", job_, "the job")->required();
    app.add_option("--grace", grace_s_, "seconds between SIGTERM and SIGKILL (default 10)");
  }
  Result<int> Act(CommandContext& context, const SshTarget& target) override {
    if (grace_s_ < 0 || grace_s_ > 3600) {
      return Fail(ErrorCode::kUsage, "--grace must be between 0 and 3600 seconds");
    }
    if (!record_.HeadsCluster()) {
      JobInfo job = GPUBOX_TRY(CancelJob(context.env, target, job_, grace_s_));
      context.out << job.id << " is " << job.state
                  << (job.exit_status ? " (exit " + std::to_string(*job.exit_status) + ")" : "")
                  << '\n';
      return 0;
    }
    // A cluster's job: on every node that has it (a job run --all-nodes: all of them).
    int found = 0;
    for (const auto& [node, node_target] : GPUBOX_TRY(AllNodes())) {
      auto job = CancelJob(context.env, node_target, job_, grace_s_);
      if (!job && job.error().code == ErrorCode::kNotFound) continue;
      if (!job) return std::unexpected(job.error());
      ++found;
      context.out << job->id << " on " << node << " is " << job->state
                  << (job->exit_status ? " (exit " + std::to_string(*job->exit_status) + ")" : "")
                  << '\n';
    }
    if (found == 0) {
      return Fail(ErrorCode::kNotFound, "no job " + job_ + " on any node of " + box_,
                  "'gpubox jobs " + box_ + "' lists them");
    }
    return 0;
  }

 private:
  std::string job_;
  int grace_s_ = 10;
};

}  // namespace

std::vector<std::unique_ptr<Command>> MakeJobCommands() {
  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(std::make_unique<RunCommand>());
  commands.push_back(std::make_unique<JobsCommand>());
  commands.push_back(std::make_unique<CancelCommand>());
  return commands;
}

}  // namespace gpubox
