/// `gpubox up NAME`: the cheapest fitting offer, launched, set up, GPU checked.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <ostream>

#include "gpubox/box/box_lock.h"
#include "gpubox/box/lifecycle.h"
#include "gpubox/box/provisioner.h"
#include "gpubox/catalog/optimizer.h"
#include "gpubox/cli/box_json.h"
#include "gpubox/cli/cloud_session.h"
#include "gpubox/cli/commands.h"
#include "gpubox/cli/confirm.h"
#include "gpubox/cli/requirement_flags.h"
#include "gpubox/cli/table.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

class UpCommand : public Command {
 public:
  const char* name() const override { return "up"; }
  const char* summary() const override {
    return "launch a GPU box: cheapest fitting offer, quota checked, set up, Jupyter-ready";
  }
  void Configure(CLI::App& app) override {
    app.add_option("name", name_, "the box's name (a-z, 0-9, -)")->required();
    flags_.Add(app);
    cloud_flags_.Add(app);
    app.add_option("--instance-type", instance_type_, "only this instance type");
    app.add_option("--disk", disk_, "root disk size, GiB (default 64, as the book advises)");
    app.add_option("--image", image_, "image id or the name of one of your images");
    app.add_option("--framework", framework_, "pytorch (default), mxnet, tensorflow or jax");
    app.add_option("--notebooks", notebooks_, "a local directory to upload, or a zip URL (aws)");
    app.add_option("--nodes", nodes_,
                   "a cluster of N nodes (default 1): NAME, NAME-1.., in one placement group, "
                   "all traffic among them, each wired for torchrun");
    app.add_option("--scheduler", scheduler_,
                   "a cluster's workload manager: none (default; torchrun needs none) or slurm "
                   "(slurmctld on node 0, slurmd on every node, one partition)");
    app.add_flag("--no-setup", no_setup_, "launch and wait for SSH only; run no setup");
    app.add_flag("--rm-on-failure", rm_on_failure_,
                 "delete the box when a setup phase fails (default: keep it stopped, to resume)");
    app.add_flag("--dry-run", dry_run_, "print the plan and the setup script; launch nothing");
    app.add_flag("--yes,-y", yes_, "do not ask before launching a paid instance");
    app.add_flag("--json", json_, "print the box as JSON");
    app.add_option("--idle-stop", idle_stop_,
                   "stop the box after this long unused (90s, 30m, 2h; default 60m; off: never)");
    app.add_option("--idle-warn", idle_warn_,
                   "warn terminals and notebooks this long before an idle or budget stop "
                   "(default 5m)");
    app.add_option("--idle-action", idle_action_,
                   "what an idle stop, a spent budget or a shutdown inside does: stop (default, "
                   "disk kept) or down (terminated, disk deleted)");
    app.add_option("--max-cost", max_cost_, "stop the box when it has cost this much, USD");
    app.add_option("--max-hours", max_hours_, "stop the box after this many running hours");
  }

  Result<int> Run(CommandContext& context) override {
    UpOptions options;
    options.started_us = context.env.clock->NowMicros();
    options.name = name_;
    GPUBOX_TRY_VOID(ValidateBoxName(name_));
    options.requirements = GPUBOX_TRY(flags_.Resolve(Catalog::Builtin()));
    // No market flag: on-demand, since an interactive box should not vanish mid-notebook;
    // what --spot would save is said after the launch.
    bool market_default = options.requirements.spot && options.requirements.on_demand;
    if (market_default) options.requirements.spot = false;
    options.instance_type = instance_type_;
    if (!instance_type_.empty() && !Catalog::Builtin().FindType(instance_type_)) {
      return Fail(ErrorCode::kUsage, "unknown instance type '" + instance_type_ + "'",
                  "'gpubox offers' lists the GPU types");
    }
    auto disk = GPUBOX_TRY(ParseCountFlag("--disk", disk_));
    if (disk < 8 || disk > 16384) {
      return Fail(ErrorCode::kUsage, "--disk must be between 8 and 16384 GiB");
    }
    options.disk_gib = static_cast<int>(disk);
    auto nodes = GPUBOX_TRY(ParseCountFlag("--nodes", nodes_));
    if (nodes < 1 || nodes > kMaxNodes) {
      return Fail(ErrorCode::kUsage, "--nodes must be between 1 and " + std::to_string(kMaxNodes),
                  "e.g. --nodes 2 for a two-node cluster");
    }
    options.nodes = static_cast<int>(nodes);
    std::string scheduler = ToLower(scheduler_);
    if (scheduler != "none" && scheduler != "slurm") {
      return Fail(ErrorCode::kUsage, "unknown scheduler '" + scheduler_ + "'",
                  "use --scheduler slurm, or none");
    }
    if (scheduler == "slurm" && options.nodes < 2) {
      return Fail(ErrorCode::kUsage, "--scheduler slurm needs a cluster",
                  "add --nodes N (2 or more)");
    }
    if (scheduler == "slurm" && name_ == "default") {
      // The partition is named after the cluster, and Slurm reserves PartitionName=DEFAULT.
      return Fail(ErrorCode::kUsage, "a Slurm cluster cannot be named 'default'",
                  "Slurm reserves that name; choose another, e.g. " + name_ + "1");
    }
    options.scheduler = scheduler == "slurm" ? Scheduler::kSlurm : Scheduler::kNone;
    options.image = image_;
    options.framework = ToLower(framework_);
    if (options.framework != "pytorch" && options.framework != "mxnet" &&
        options.framework != "tensorflow" && options.framework != "jax") {
      return Fail(ErrorCode::kUsage, "unknown framework '" + framework_ + "'",
                  "use pytorch, mxnet, tensorflow or jax");
    }
    options.notebooks = notebooks_;
    options.agent = GPUBOX_TRY(AgentFlags());
    options.setup = !no_setup_;
    options.rm_on_failure = rm_on_failure_;
    auto session =
        GPUBOX_TRY(CloudSession::Open(context.env, cloud_flags_, !dry_run_, context.err));
    bool aws = session->cloud().name() == "aws";
    if (!aws && options.framework != "pytorch") {
      return Fail(
          ErrorCode::kUsage,
          "the local cloud offers pytorch only (Debian's python3-torch), not " + options.framework,
          "use --cloud aws for " + options.framework);
    }
    if (options.framework == "mxnet") {
      context.err << "gpubox: note: Apache MXNet is retired; the book still uses it\n";
    }
    Provisioner provisioner(context.env, session->cloud(), session->store(), Catalog::Builtin(),
                            session->paths(), context.err);
    if (dry_run_) {
      // A plan needs no network beyond the cloud's read-only calls.
      std::string ssh_from =
          session->KnownCallerCidr().value_or("your public address, looked up at launch");
      return PrintPlan(context, GPUBOX_TRY(provisioner.Plan(options)), ssh_from);
    }
    LockFile box_lock = GPUBOX_TRY(
        LockBox(context.env, session->paths(), options.name, session->deadline_us(), context.err));
    options.caller_cidr = GPUBOX_TRY(session->CallerCidr());
    // Resuming a box kept after a failed setup launches nothing new: no question.
    auto known = session->store().Load(name_);
    bool resuming = known && known->state == BoxState::kSetupFailed;
    if (aws && !resuming) {
      UpPlan plan = GPUBOX_TRY(provisioner.Plan(options));
      const LaunchCandidate& best = plan.candidates.front();
      if (!Confirm("launch " + best.instance_type + " (" + MarketName(best.market) + ") in " +
                       best.region + " at about $" + FormatDouble(best.price_usd_hr) +
                       "/h on your AWS account?",
                   yes_, context.err)) {
        return Fail(ErrorCode::kUsage, "not confirmed; nothing launched",
                    "add --yes to launch without asking");
      }
    }
    BoxRecord box = GPUBOX_TRY(provisioner.Up(options));
    if (market_default && box.market == Market::kOnDemand) SaySpotSavings(context, box);
    Lifecycle lifecycle(context.env, session->cloud(), session->store(), session->paths(),
                        context.err);
    GPUBOX_TRY_VOID(lifecycle.RefreshSshConfig());
    context.err << "gpubox: " << session->aws_cloud().calls() << " EC2 API calls\n";
    if (json_) {
      context.out << BoxJson(box).dump(2) << '\n';
      return 0;
    }
    context.out << box.name << " is up: " << box.instance_type << " (" << box.gpu << ") "
                << MarketName(box.market) << " in " << box.zone << ", $"
                << FormatDouble(box.price_usd_hr) << "/h\n  ssh " << box.name
                << "    gpubox jupyter " << box.name << "    gpubox stop " << box.name
                << " (disk kept)    gpubox down " << box.name << " (all deleted)\n";
    SayGuards(context, options.agent, box.name);
    return 0;
  }

 private:
  static std::string SpanText(int64_t seconds) {
    return seconds >= 120 ? std::to_string(seconds / 60) + " min" : std::to_string(seconds) + " s";
  }

  /// What the agent will do on its own: idle stop and budget, and whether the disk survives.
  static void SayGuards(CommandContext& context, const AgentSettings& agent,
                        const std::string& name) {
    std::string action =
        agent.idle_terminate ? "terminates itself (disk deleted)" : "stops itself (disk kept)";
    std::vector<std::string> when;
    if (agent.idle_stop_s > 0) when.push_back("after " + SpanText(agent.idle_stop_s) + " unused");
    if (agent.max_cost_usd > 0) when.push_back("at $" + FormatDouble(agent.max_cost_usd));
    if (agent.max_hours > 0)
      when.push_back("after " + FormatDouble(agent.max_hours) + " running hours");
    if (when.empty()) {
      context.out << "  never stops itself (--idle-stop off): gpubox stop " << name
                  << " when done\n";
      return;
    }
    context.out << "  " << action << " " << Join(when, ", or ") << "; 'gpubox idle " << name
                << " off' keeps it up\n";
  }

  /// One line: the same type on spot in the same region, from the catalog, and how much less.
  static void SaySpotSavings(CommandContext& context, const BoxRecord& box) {
    Requirements spot;
    spot.on_demand = false;
    spot.regions = {box.region};
    const Catalog& catalog = Catalog::Builtin();
    const Offer* offer = CheapestOfType(catalog, box.instance_type, spot);
    if (offer == nullptr || offer->market != Market::kSpot ||
        catalog.region(*offer) != box.region || box.price_usd_hr <= 0) {
      return;
    }
    double saved = 1 - offer->price_usd_hr / box.price_usd_hr;
    context.err << "gpubox: on-demand (no --spot/--on-demand given: an interactive box should not "
                   "vanish mid-notebook); --spot would pay about $"
                << FormatDouble(offer->price_usd_hr) << "/h instead of $"
                << FormatDouble(box.price_usd_hr) << "/h for " << box.instance_type << " in "
                << box.region << " (" << FormatFixed(saved * 100, 0)
                << "% less), stoppable, its disk kept across interruptions\n";
  }

  Result<int> PrintPlan(CommandContext& context, const UpPlan& plan, const std::string& ssh_from) {
    if (json_) {
      nlohmann::json rows = nlohmann::json::array();
      for (const LaunchCandidate& candidate : plan.candidates) {
        rows.push_back({{"instance_type", candidate.instance_type},
                        {"region", candidate.region},
                        {"market", MarketName(candidate.market)},
                        {"price_usd_hr", candidate.price_usd_hr},
                        {"quota", QuotaJson(candidate.quota)}});
      }
      nlohmann::json out = {
          {"candidates", rows}, {"ssh_from", ssh_from}, {"setup_script", plan.setup_script}};
      context.out << out.dump(2) << '\n';
      return 0;
    }
    context.out << "Plan for " << name_ << " (nothing is launched by --dry-run):\n";
    Table table({"#", "TYPE", "REGION", "MARKET", "$/H", "QUOTA", "VERDICT"});
    int rank = 0;
    for (const LaunchCandidate& candidate : plan.candidates) {
      table.AddRow({std::to_string(++rank), candidate.instance_type, candidate.region,
                    MarketName(candidate.market), FormatDouble(candidate.price_usd_hr),
                    candidate.quota.quota_code,
                    candidate.quota.ok ? "ok" : "skip: " + candidate.quota.Explain()});
    }
    table.Print(context.out);
    context.out << "\nSSH (tcp/22) will be allowed from: " << ssh_from << '\n';
    context.out << "\nSetup script (run over SSH, phase by phase):\n" << plan.setup_script;
    return 0;
  }

  /// --idle-stop, --idle-warn, --idle-action, --max-cost, --max-hours as the agent's settings.
  Result<AgentSettings> AgentFlags() const {
    AgentSettings agent;
    agent.idle_stop_s =
        idle_stop_ == "off" ? 0 : GPUBOX_TRY(ParseDurationSeconds("--idle-stop", idle_stop_));
    agent.idle_warn_s = GPUBOX_TRY(ParseDurationSeconds("--idle-warn", idle_warn_));
    if (idle_action_ != "stop" && idle_action_ != "down") {
      return Fail(ErrorCode::kUsage,
                  "--idle-action expects stop or down, got '" + idle_action_ + "'");
    }
    agent.idle_terminate = idle_action_ == "down";
    if (max_cost_ < 0 || max_hours_ < 0) {
      return Fail(ErrorCode::kUsage, "--max-cost and --max-hours expect a positive number");
    }
    agent.max_cost_usd = max_cost_;
    agent.max_hours = max_hours_;
    return agent;
  }

  RequirementFlags flags_;
  CloudFlags cloud_flags_;
  std::string idle_stop_ = "60m", idle_warn_ = "5m", idle_action_ = "stop";
  double max_cost_ = 0, max_hours_ = 0;
  std::string name_, instance_type_, disk_ = "64", nodes_ = "1", scheduler_ = "none", image_,
                                     framework_ = "pytorch", notebooks_;
  bool dry_run_ = false, yes_ = false, json_ = false, no_setup_ = false, rm_on_failure_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeUpCommand() { return std::make_unique<UpCommand>(); }

}  // namespace gpubox
