// Provisioner: the launch loop with failover, the wait for the box, and setup.

#include <algorithm>
#include <ostream>

#include "gpubox/box/instance_facts.h"
#include "gpubox/box/provisioner.h"
#include "gpubox/box/run_ledger.h"
#include "gpubox/box/setup_progress.h"
#include "gpubox/box/setup_script.h"
#include "gpubox/sys/file_system.h"
#include "gpubox/sys/process_runner.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

int64_t NowSeconds(Env& env) { return env.clock->NowMicros() / 1'000'000; }

std::string GpuOf(const Catalog& catalog, const std::string& type_name) {
  auto type_idx = catalog.FindType(type_name);
  return type_idx ? catalog.types()[*type_idx].GpuText() : "";
}

aws::RunInstancesRequest MakeRunRequest(const BoxRecord& box, const LaunchCandidate& candidate,
                                        const aws::Image& image, const std::string& zone,
                                        const UpOptions& options) {
  aws::RunInstancesRequest request;
  aws::BlockDeviceMapping root;
  root.device_name = image.root_device_name.empty() ? "/dev/sda1" : image.root_device_name;
  root.ebs = aws::EbsBlockDevice{};
  root.ebs->volume_size = box.disk_gib;
  root.ebs->volume_type = "gp3";
  root.ebs->delete_on_termination = true;
  request.block_device_mappings.push_back(root);
  request.image_id = image.image_id;
  request.instance_type = candidate.instance_type;
  request.key_name = box.key_name;
  request.placement = aws::Placement{};
  request.placement->availability_zone = zone;
  if (box.nodes > 1) {  // all or nothing, close together
    request.min_count = request.max_count = box.nodes;
    request.placement->group_name = ClusterPlacementGroup(box.name);
  }
  request.security_group_ids = {box.security_group_id};
  request.client_token = box.client_token;
  request.tag_specifications = {{"instance", {{kBoxTag, box.name}, {"Name", box.name}}},
                                {"volume", {{kBoxTag, box.name}}}};
  request.metadata_options = aws::InstanceMetadataOptionsRequest{};
  request.metadata_options->http_tokens = "required";
  request.metadata_options->http_endpoint = "enabled";
  // From an image that holds the notebook environment, Jupyter boots with the instance.
  request.user_data =
      BootScript(box.client_token, AgentConfLines(options.agent, candidate.price_usd_hr));
  // An OS shutdown (the agent's idle stop or budget, `poweroff` in a terminal) stops the box,
  // or terminates it with --idle-action down; never a halt that keeps billing.
  request.instance_initiated_shutdown_behavior = ShutdownBehavior(options.agent);
  if (candidate.market == Market::kSpot) {
    aws::InstanceMarketOptionsRequest market;
    market.spot_options = aws::SpotMarketOptions{};
    if (options.requirements.max_price) {
      market.spot_options->max_price = FormatDouble(*options.requirements.max_price);
    }
    // Persistent and stopped on an interruption: the disk survives it, the cloud starts the
    // instance again when capacity returns, and the user may stop and start it (EC2 allows a
    // user stop/start of exactly these). `down` cancels the request before terminating.
    market.spot_options->spot_instance_type = "persistent";
    market.spot_options->instance_interruption_behavior = "stop";
    request.instance_market_options = market;
    request.tag_specifications.push_back({"spot-instances-request", {{kBoxTag, box.name}}});
  }
  return request;
}

}  // namespace

Result<BoxRecord> Provisioner::Up(const UpOptions& options) {
  GPUBOX_TRY_VOID(ValidateBoxName(options.name));
  if (options.nodes < 1 || options.nodes > kMaxNodes) {
    return Fail(ErrorCode::kUsage, "--nodes must be 1 to " + std::to_string(kMaxNodes),
                "e.g. --nodes 2 for a two-node cluster");
  }
  step_started_us_ = options.started_us != 0 ? options.started_us : env_.clock->NowMicros();
  BoxRecord box;
  UpOptions resumed = options;  // a known box keeps the framework it was made with
  bool kept = false;            // a box kept after a failed setup: never deleted here
  if (auto known = store_.Load(options.name)) {
    box = *known;
    GPUBOX_TRY_VOID(RefuseClusterNode(box, "up"));
    if (!box.framework.empty()) resumed.framework = box.framework;
    resumed.nodes = box.nodes;  // a cluster stays the size it was made
    if (box.scheduler == "slurm") resumed.scheduler = Scheduler::kSlurm;
    if (options.scheduler == Scheduler::kSlurm && box.scheduler.empty()) {
      box.scheduler = "slurm";  // asked for on the rerun: kept for the next one too
      GPUBOX_TRY_VOID(store_.Save(box));
    }
    if (box.state == BoxState::kRunning) {  // the same command again: the same box
      progress_ << "gpubox: " << box.name << " is already up\n";
      return box;
    }
    if (box.state == BoxState::kStopped) {
      return Fail(ErrorCode::kUsage, "box '" + box.name + "' exists and is stopped",
                  "'gpubox start " + box.name + "' brings it back");
    }
    kept = box.state == BoxState::kSetupFailed;
    if (kept) {
      progress_ << "gpubox: resuming the setup of " << box.name << " at phase " << box.failed_phase
                << '\n';
    } else {
      progress_ << "gpubox: continuing the unfinished up of " << box.name << '\n';
    }
  } else {
    if (options.nodes > 1) {  // its nodes' names must be free, and valid
      GPUBOX_TRY_VOID(ValidateBoxName(NodeName(options.name, options.nodes - 1)));
      for (int node = 1; node < options.nodes; ++node) {
        if (store_.Load(NodeName(options.name, node))) {
          return Fail(ErrorCode::kUsage,
                      "a box named '" + NodeName(options.name, node) +
                          "' exists: the nodes of cluster '" + options.name + "' are named " +
                          options.name + "-1.." + options.name + "-" +
                          std::to_string(options.nodes - 1),
                      "pick another name for the cluster");
        }
      }
      box.cluster = options.name;
      box.nodes = options.nodes;
      if (options.scheduler == Scheduler::kSlurm) box.scheduler = "slurm";
    }
    box.name = options.name;
    box.cloud = cloud_.name();
    box.created_at = NowSeconds(env_);
    box.key_name = "gpubox-" + box.name;
    box.key_path = paths_.key_path(box.name);
    box.framework = options.framework;
    box.disk_gib = options.disk_gib;
    // The budget the agent enforces on the box, kept here for ls and cost (0: none).
    if (options.agent.max_cost_usd > 0) box.max_cost_usd = options.agent.max_cost_usd;
    if (options.agent.max_hours > 0) box.max_hours = options.agent.max_hours;
    box.state = BoxState::kLaunching;
    GPUBOX_TRY_VOID(store_.Save(box));
    Event(box.name, "up", "requested");
  }
  StepDone(box.name, "start");
  // GPUBOX_AGENT_POLL_S (tests): the agent checks idleness and the budget that often too.
  if (auto poll = ParseInt(env_.Var("GPUBOX_AGENT_POLL_S").value_or(""));
      poll && resumed.agent.poll_s == 0) {
    resumed.agent.poll_s = static_cast<int>(std::clamp(*poll, 1LL, 3600LL));
  }
  const UpOptions& up = resumed;
  UpPlan plan = GPUBOX_TRY(Plan(up));
  StepDone(box.name, "plan");
  auto existing = GPUBOX_TRY(FindExisting(box.name));
  StepDone(box.name, "find-existing");
  Result<BoxRecord> ready = [&]() -> Result<BoxRecord> {
    if (existing.empty()) return Launch(box, up, plan);
    const aws::Instance& first = existing.front();
    if (!kept) {
      progress_ << "gpubox: found " << first.instance_id << " already launched for " << box.name
                << "; continuing with it\n";
    }
    if (static_cast<int>(existing.size()) != box.nodes) {
      return Fail(ErrorCode::kCloud,
                  (box.nodes > 1 ? "cluster " : "box ") + box.name + " has " +
                      std::to_string(existing.size()) + " live instances, not " +
                      std::to_string(box.nodes),
                  "'gpubox down " + box.name + "' deletes it; then up again");
    }
    box.instance_id = first.instance_id;
    box.instance_type = first.instance_type;
    box.zone = InstanceZone(first);
    if (!box.zone.empty()) box.region = RegionOfZone(box.zone);
    box.market = InstanceMarket(first);
    box.gpu = GpuOf(catalog_, box.instance_type);
    if (box.price_usd_hr == 0) {
      for (const LaunchCandidate& candidate : plan.candidates) {
        if (candidate.instance_type == box.instance_type && candidate.region == box.region) {
          box.price_usd_hr = candidate.price_usd_hr;
        }
      }
    }
    GPUBOX_TRY_VOID(store_.Save(box));
    for (const aws::Instance& instance : existing) {
      BoxRecord node = box;
      node.instance_id = instance.instance_id;
      GPUBOX_TRY_VOID(StartIfStopped(node, instance));
    }
    return WaitForNodes(box, existing, up);
  }();
  if (!ready) return ready;
  box = *ready;
  if (box.nodes > 1) {
    GPUBOX_TRY_VOID(SetUpCluster(box, up));
    for (BoxRecord node : GPUBOX_TRY(ClusterNodes(store_, box))) {
      node.state = BoxState::kRunning;
      GPUBOX_TRY_VOID(store_.Save(node));
    }
    box = GPUBOX_TRY(store_.Load(box.name));
    Event(box.name, "up",
          "ready: a cluster of " + std::to_string(box.nodes) + " " + box.instance_type + " in " +
              box.zone);
    return box;
  }
  std::vector<std::string> phases_done = GPUBOX_TRY(PrepareBox(box));
  StepDone(box.name, "prepare");
  // An image that holds every phase (and no notebooks to upload) needs no setup session.
  bool held = up.notebooks.empty() && SkipSetupHeldByImage(box, phases_done);
  if (held) GPUBOX_TRY_VOID(store_.Save(box));
  if (up.setup && !held) {
    auto setup = RunSetup(box, up);
    if (!setup) {
      if (kept) {
        (void)KeepStopped(box, box.failed_phase);
      } else {
        progress_ << "gpubox: setup could not run; deleting the box so nothing is left half-made\n";
        CleanUp(box, {box.region});
      }
      return std::unexpected(setup.error());
    }
    if (*setup) return std::unexpected(SetupFailed(box, up, **setup));
    StepDone(box.name, "setup");
  }
  box = GPUBOX_TRY(store_.Load(box.name));
  box.state = BoxState::kRunning;
  box.failed_phase.clear();
  GPUBOX_TRY_VOID(store_.Save(box));
  StepDone(box.name, "record");
  int64_t began_us = options.started_us != 0 ? options.started_us : 0;
  Event(box.name, "up",
        "ready: " + box.instance_type + " in " + box.zone +
            (began_us != 0
                 ? " after " + FormatFixed((env_.clock->NowMicros() - began_us) / 1e6, 3) + " s"
                 : ""));
  return box;
}

Result<BoxRecord> Provisioner::Relaunch(BoxRecord box, const UpOptions& options) {
  step_started_us_ = env_.clock->NowMicros();
  UpPlan plan = GPUBOX_TRY(Plan(options));
  return Launch(std::move(box), options, plan, false);
}

Result<BoxRecord> Provisioner::Launch(BoxRecord box, const UpOptions& options, const UpPlan& plan,
                                      bool clean_up_on_failure) {
  std::vector<std::string> touched;
  std::vector<std::string> failures;
  for (const LaunchCandidate& candidate : plan.candidates) {
    const std::string& region = candidate.region;
    std::string offer_text = candidate.instance_type + " " + MarketName(candidate.market) + " in " +
                             region + " ($" + FormatDouble(candidate.price_usd_hr) + "/h)";
    if (!candidate.quota.ok) {
      failures.push_back(offer_text + ": " + candidate.quota.Explain());
      progress_ << "gpubox: skip " << offer_text << ": " << candidate.quota.Explain() << '\n';
      (void)store_.AddAttempt({box.name, NowSeconds(env_), candidate.instance_type, region, "",
                               MarketName(candidate.market), candidate.price_usd_hr,
                               "VcpuLimitExceeded", candidate.quota.Explain()});
      continue;
    }
    if (std::find(touched.begin(), touched.end(), region) == touched.end()) {
      touched.push_back(region);
    }
    auto fail = [&](const Error& error) {
      if (clean_up_on_failure) CleanUp(box, touched);
      return std::unexpected(error);
    };
    if (auto access = EnsureAccess(box, region, options); !access) return fail(access.error());
    StepDone(box.name, "key-and-group");
    const InstanceType& type = catalog_.types()[*catalog_.FindType(candidate.instance_type)];
    auto image = ResolveImage(region, options, type);
    if (!image) return fail(image.error());
    auto zones = cloud_.Zones(region);
    if (!zones) return fail(zones.error());
    StepDone(box.name, "image-and-zones");
    for (const std::string& zone : *zones) {
      box.region = region;
      box.zone = zone;
      box.instance_type = candidate.instance_type;
      box.market = candidate.market;
      box.price_usd_hr = candidate.price_usd_hr;
      box.gpu = GpuOf(catalog_, candidate.instance_type);
      box.image_id = image->image_id;
      box.disk_gib = RootDiskGib(*image, options.disk_gib);
      if (box.disk_gib > options.disk_gib) {
        progress_ << "gpubox: " << image->image_id << " needs a " << box.disk_gib
                  << " GiB root disk; using that instead of " << options.disk_gib << " GiB\n";
      }
      box.client_token = LaunchClientToken(box, candidate, zone);
      box.state = BoxState::kLaunching;
      if (auto saved = store_.Save(box); !saved) return fail(saved.error());
      progress_ << "gpubox: launching " << candidate.instance_type << " ("
                << MarketName(candidate.market) << ") in " << zone << '\n';
      auto launched =
          cloud_.RunInstances(region, MakeRunRequest(box, candidate, *image, zone, options));
      if (launched && static_cast<int>(launched->size()) != box.nodes) {
        launched =
            Fail(ErrorCode::kCloud, "RunInstances answered " + std::to_string(launched->size()) +
                                        " instances, not " + std::to_string(box.nodes));
      }
      if (launched) {
        StepDone(box.name, "run-instances");
        std::vector<std::string> ids;
        for (const aws::Instance& instance : *launched) ids.push_back(instance.instance_id);
        box.instance_id = ids.front();
        (void)store_.AddAttempt({box.name, NowSeconds(env_), candidate.instance_type, region, zone,
                                 MarketName(box.market), box.price_usd_hr, "launched",
                                 Join(ids, " ")});
        if (auto saved = store_.Save(box); !saved) return fail(saved.error());
        Event(box.name, "launch", Join(ids, " ") + " " + box.instance_type + " " + zone);
        auto ready = WaitForNodes(box, *launched, options);
        if (!ready) return fail(ready.error());
        for (const std::string& other : touched) {  // where the cluster failed over from
          if (box.nodes > 1 && other != region) {
            (void)cloud_.DeletePlacementGroup(other, ClusterPlacementGroup(box.name));
          }
        }
        return ready;
      }
      bool next_zone = false;
      if (!IsFailoverError(launched.error(), &next_zone)) return fail(launched.error());
      std::string why = launched.error().cloud_code + ": " + launched.error().message;
      failures.push_back(candidate.instance_type + " " + MarketName(candidate.market) + " in " +
                         zone + ": " + why);
      progress_ << "gpubox: " << zone << ": " << why << "; trying the next "
                << (next_zone ? "zone" : "offer") << '\n';
      (void)store_.AddAttempt({box.name, NowSeconds(env_), candidate.instance_type, region, zone,
                               MarketName(box.market), box.price_usd_hr,
                               launched.error().cloud_code, launched.error().message});
      if (!next_zone) break;
    }
  }
  if (clean_up_on_failure) CleanUp(box, touched);
  return Fail(ErrorCode::kNoCapacity,
              "no offer could be launched (" + std::to_string(failures.size()) +
                  " attempts): " + Join(failures, "; "),
              "relax the requirements, try --spot or --on-demand, or request the quota increase");
}

Result<BoxRecord> Provisioner::WaitUntilReady(BoxRecord box, const UpOptions& options) {
  int64_t deadline = env_.clock->NowMicros() + int64_t{options.running_timeout_ms} * 1000;
  while (true) {
    auto instances = GPUBOX_TRY(
        cloud_.DescribeInstances(box.region, {aws::Filter{"instance-id", {box.instance_id}}}));
    if (instances.empty()) {
      return Fail(ErrorCode::kCloud, "instance " + box.instance_id + " disappeared");
    }
    const aws::Instance& instance = instances.front();
    box.public_ip = !instance.public_ip_address.empty() ? instance.public_ip_address
                                                        : instance.private_ip_address;
    if (instance.state.code == aws::instance_state::kRunning && !box.public_ip.empty()) {
      GPUBOX_TRY_VOID(RecordInstanceState(store_, box, instance, NowSeconds(env_)));
      break;
    }
    if (instance.state.code != aws::instance_state::kPending) {
      return Fail(ErrorCode::kCloud, "instance " + box.instance_id + " is " + instance.state.name +
                                         " instead of running: " + instance.state_reason.message);
    }
    if (env_.clock->NowMicros() > deadline) {
      return Fail(ErrorCode::kCloud, "instance " + box.instance_id + " still pending");
    }
    env_.clock->SleepMicros(cloud_.StatePollMicros());
  }
  progress_ << "gpubox: " << box.instance_id << " running at " << box.public_ip
            << "; waiting for SSH\n";
  StepDone(box.name, "wait-running");
  GPUBOX_TRY_VOID(WaitForSsh(env_, TargetOf(box), options.ssh_timeout_ms));
  StepDone(box.name, "ssh");
  box.state = BoxState::kSettingUp;  // kRunning once setup is done; a rerun resumes setup
  box.running_since = NowSeconds(env_);
  GPUBOX_TRY_VOID(store_.Save(box));
  return box;
}

Result<std::vector<std::string>> Provisioner::PrepareBox(const BoxRecord& box) {
  std::string script =
      PrepareScript(box.client_token, box.cloud != "aws" ? SampleNotebook() : std::string_view());
  // A first session can be slow on a loaded host (the boot's own scripts run meanwhile).
  constexpr int kPrepareTimeoutMs = 120000;
  auto run =
      GPUBOX_TRY(env_.processes->Run(SshCommand(TargetOf(box), {"bash", "-s"}),
                                     {.stdin_text = script, .timeout_ms = kPrepareTimeoutMs}));
  if (run.exit_code != 0) {
    std::string why =
        run.exit_code == 137 && Trim(run.err).empty()
            ? "no answer within " + std::to_string(kPrepareTimeoutMs / 1000) + " s"
            : "exit " + std::to_string(run.exit_code) + ": " + std::string(Trim(run.err));
    return Fail(ErrorCode::kCloud, "could not prepare " + box.name + " (" + why + ")");
  }
  std::vector<std::string> phases_done;
  for (std::string_view line : Split(run.out, '\n')) {
    if (line.starts_with("gpubox-phase-done ")) phases_done.emplace_back(line.substr(18));
  }
  return phases_done;
}

bool Provisioner::SkipSetupHeldByImage(BoxRecord& box, const std::vector<std::string>& done) {
  std::vector<std::string> phases =
      SetupPhases(box.cloud == "aws" ? SetupTarget::kAws : SetupTarget::kLocal);
  for (const std::string& phase : phases) {
    if (std::find(done.begin(), done.end(), phase) == done.end()) return false;
  }
  for (size_t phase_idx = 0; phase_idx < phases.size(); ++phase_idx) {
    progress_ << "gpubox: setup [" << phase_idx + 1 << "/" << phases.size() << "] "
              << phases[phase_idx] << ": already done (skipped)\n";
  }
  box.setup_phases = Join(phases, ",");
  Event(box.name, "setup", "every phase held by the image: " + box.setup_phases);
  return true;
}

Result<std::optional<SetupFailure>> Provisioner::RunSetup(const BoxRecord& box,
                                                          const UpOptions& options) {
  SshTarget target = TargetOf(box);
  bool aws = box.cloud == "aws";
  if (!options.notebooks.empty() && !options.notebooks.starts_with("http")) {
    auto tar = GPUBOX_TRY(env_.processes->Run({"tar", "-C", options.notebooks, "-cf", "-", "."}));
    if (tar.exit_code != 0) {
      return Fail(ErrorCode::kUsage, "cannot read notebooks at " + options.notebooks,
                  std::string(Trim(tar.err)));
    }
    auto put = GPUBOX_TRY(env_.processes->Run(
        SshCommand(target, {"mkdir -p ~/.gpubox/upload && tar -C ~/.gpubox/upload -xf -"}),
        {.stdin_text = tar.out, .timeout_ms = 600000}));
    if (put.exit_code != 0) return Fail(ErrorCode::kCloud, "notebook upload failed: " + put.err);
  }
  std::string script = SetupScriptFor(options);
  std::vector<std::string> phases = SetupPhases(aws ? SetupTarget::kAws : SetupTarget::kLocal);
  // One SSH session runs every phase; its marker lines are the progress shown here.
  SetupProgress progress(progress_, phases, env_, box.name, store_);
  auto run = GPUBOX_TRY(env_.processes->Run(
      SshCommand(target, {"bash", "-s"}),
      {.stdin_text = script,
       .timeout_ms = 3600 * 1000,
       .on_stdout_line = [&progress](std::string_view line) { progress.Line(line); }}));
  if (run.exit_code != 0 || progress.done().size() != phases.size()) {
    SetupFailure failure{progress.failed(), progress.Reason(), run.out};
    if (failure.phase.empty()) {
      // The session ended between phases (or before the first one): the next phase.
      failure.phase =
          progress.done().size() < phases.size() ? phases[progress.done().size()] : phases.back();
    }
    if (progress.failed().empty() || failure.reason.empty()) {
      progress.PrintTail();  // no fail marker came: the session itself ended
      std::string ended = run.exit_code == 255
                              ? "the SSH session to the box ended"
                              : "setup ended with status " + std::to_string(run.exit_code);
      if (!Trim(run.err).empty()) ended += ": " + std::string(Trim(Split(run.err, '\n')[0]));
      if (failure.reason.empty()) failure.reason = ended;
    }
    return failure;
  }
  std::vector<std::string> done = progress.done();
  BoxRecord updated = GPUBOX_TRY(store_.Load(box.name));
  updated.setup_phases = Join(done, ",");
  GPUBOX_TRY_VOID(store_.Save(updated));
  return std::nullopt;
}

}  // namespace gpubox
