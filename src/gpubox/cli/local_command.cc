/// `gpubox local up|serve|status|down|fault`: the embedded local cloud.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <ostream>

#include "gpubox/cli/commands.h"
#include "gpubox/local/fault_config.h"
#include "gpubox/local/local_daemon.h"
#include "gpubox/sys/file_system.h"
#include "gpubox/sys/this_process.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

class LocalCommand : public Command {
 public:
  const char* name() const override { return "local"; }
  const char* summary() const override {
    return "run the embedded EC2-compatible local cloud (up, serve, status, down, fault, revoke)";
  }
  void Configure(CLI::App& app) override {
    app.require_subcommand(1);
    auto add_common = [this](CLI::App* sub) {
      sub->add_option("--state-dir", state_dir_,
                      "state directory (default: $GPUBOX_LOCAL_STATE_DIR, /var/lib/gpubox-local "
                      "as root, else $XDG_STATE_HOME/gpubox/local)");
    };
    up_ = app.add_subcommand("up", "start the local cloud in the background (idempotent)");
    serve_ = app.add_subcommand("serve", "run the local cloud in the foreground");
    for (CLI::App* sub : {up_, serve_}) {
      add_common(sub);
      sub->add_option("--port", port_, "port on 127.0.0.1 (default 4580; 0 picks a free one)");
      sub->add_flag("--no-runtime", no_runtime_,
                    "API only: instances are records, not machines (no root needed)");
    }
    up_->add_option("--allow-user", allow_users_,
                    "grant USER access with a key of their own, in an account of their own "
                    "(repeatable; default: $SUDO_USER). Access means root inside instances "
                    "that share this host's kernel: grant it only to people you would give sudo");
    up_->add_option("--allow-group", allow_groups_,
                    "grant every member of GROUP access, all in the group's one shared account "
                    "(they see each other's boxes; repeatable)");
    status_ = app.add_subcommand("status",
                                 "show the endpoint, regions, instances, keys and who has access");
    add_common(status_);
    status_->add_flag("--json", json_, "print JSON");
    down_ = app.add_subcommand("down", "stop every instance and the daemon (disks kept)");
    add_common(down_);
    down_->add_flag("--purge", purge_, "remove everything: instances, disks, images, state");
    fault_ = app.add_subcommand("fault", "inject faults: throttling, latency, capacity, spot");
    add_common(fault_);
    fault_->add_option("--throttle", throttle_, "fraction of API calls answered 503 (0..1)");
    fault_->add_option("--latency-ms", latency_ms_, "latency added to every API call");
    fault_->add_option("--error-rate", error_rate_,
                       "fraction of API calls answered 500 InternalError, half of them after "
                       "the call took effect (0..1)");
    fault_->add_option("--capacity-error-rate", capacity_error_rate_,
                       "fraction of RunInstances/StartInstances answered "
                       "InsufficientInstanceCapacity (0..1)");
    fault_->add_option("--capacity-error", capacity_errors_,
                       "TYPE@ZONE without capacity ('*' for any), repeatable");
    fault_->add_option("--spot-notice-seconds", spot_notice_,
                       "spot interruption notice period (EC2: 120)");
    fault_->add_option("--withdraw-capacity", withdraw_,
                       "TYPE@ZONE ('*' for any) whose spot capacity goes: its running spot "
                       "instances get the notice and are interrupted, spot launches there fail; "
                       "repeatable");
    fault_->add_option("--restore-capacity", restore_,
                       "TYPE@ZONE whose spot capacity comes back ('all': every pool): the "
                       "instances of persistent requests stopped there are started again; "
                       "repeatable");
    fault_->add_option("--interrupt", interrupt_, "interrupt this spot instance now");
    fault_->add_option("--quota", quotas_, "CODE/REGION=VCPUS, repeatable");
    fault_->add_option("--capacity", capacities_, "TYPE=INSTANCES per zone, repeatable");
    fault_->add_flag("--clear", clear_, "start from no faults");
    revoke_ = app.add_subcommand("revoke", "take a user's access away: their key stops at once");
    add_common(revoke_);
    revoke_->add_option("USER", revoke_user_, "the user")->required();
  }

  Result<int> Run(CommandContext& context) override {
    local::DaemonOptions options;
    options.state_dir = state_dir_.empty() ? local::DefaultStateDir(context.env) : state_dir_;
    options.port = port_;
    options.no_runtime = no_runtime_;
    if (serve_->parsed()) {  // the daemon is its own binary: become it
      std::vector<std::string> argv = {
          local::DaemonExecutable(context.env), "serve",       "--port",
          std::to_string(options.port),         "--state-dir", options.state_dir};
      if (options.no_runtime) argv.push_back("--no-runtime");
      context.out.flush();
      context.err.flush();
      GPUBOX_TRY_VOID(ReplaceProcess(argv));
      return 1;
    }
    if (up_->parsed()) {
      local::DaemonInfo info = GPUBOX_TRY(local::StartDaemon(context.env, options));
      context.out << "local cloud running at " << info.endpoint << " (pid " << info.pid
                  << ", state " << options.state_dir << ")\n";
      return GrantAccess(context, options, info);
    }
    if (revoke_->parsed()) return Revoke(context, options);
    if (down_->parsed()) {
      GPUBOX_TRY_VOID(local::StopDaemon(context.env, options.state_dir, purge_));
      context.out << (purge_ ? "local cloud stopped and purged\n" : "local cloud stopped\n");
      return 0;
    }
    auto running = local::FindRunningDaemon(context.env, options.state_dir);
    if (status_->parsed() && !running && !RunningAsRoot()) {
      if (auto shared = GPUBOX_TRY(local::FindSharedCloud(context.env))) {
        return SharedStatus(context, *shared);
      }
    }
    if (status_->parsed()) return Status(context, options, running);
    if (!running) return NotRunning(options);
    local::LocalAccount account =
        GPUBOX_TRY(local::LoadOrCreateAccount(context.env, options.state_dir));
    if (!interrupt_.empty()) {
      nlohmann::json body = {{"instance_id", interrupt_}};
      GPUBOX_TRY(local::AdminCall(context.env, *running, account, "interrupt", body.dump()));
      context.out << "spot interruption notice sent to " << interrupt_ << '\n';
      bool other = throttle_ || latency_ms_ || error_rate_ || capacity_error_rate_ ||
                   spot_notice_ || !capacity_errors_.empty() || !quotas_.empty() ||
                   !capacities_.empty() || !withdraw_.empty() || !restore_.empty() || clear_;
      if (!other) return 0;
    }
    local::FaultConfig config;
    if (!clear_) {
      std::string text =
          context.env.files->ReadFile(options.state_dir + "/config.json").value_or("");
      if (!text.empty()) config = GPUBOX_TRY(local::ParseFaultConfig(text));
    }
    if (throttle_) config.throttle_rate = *throttle_;
    if (latency_ms_) config.latency_ms = *latency_ms_;
    if (error_rate_) config.error_rate = *error_rate_;
    if (capacity_error_rate_) config.capacity_error_rate = *capacity_error_rate_;
    if (spot_notice_) config.spot_notice_seconds = *spot_notice_;
    for (const std::string& fault : capacity_errors_) config.capacity_errors.push_back(Pool(fault));
    for (const std::string& pool : restore_) {
      auto& withdrawn = config.spot_capacity_withdrawn;
      if (pool == "all") {
        withdrawn.clear();
        continue;
      }
      local::CapacityFault back = Pool(pool);
      std::erase_if(withdrawn, [&](const local::CapacityFault& fault) {
        return fault.type == back.type && fault.zone == back.zone;
      });
    }
    for (const std::string& pool : withdraw_) config.spot_capacity_withdrawn.push_back(Pool(pool));
    for (const std::string& quota : quotas_) {
      size_t eq = quota.find('=');
      auto value = eq == std::string::npos ? std::nullopt : ParseDouble(quota.substr(eq + 1));
      if (!value) return Fail(ErrorCode::kUsage, "--quota wants CODE/REGION=VCPUS, not " + quota);
      config.quotas[quota.substr(0, eq)] = *value;
    }
    for (const std::string& capacity : capacities_) {
      size_t eq = capacity.find('=');
      auto value = eq == std::string::npos ? std::nullopt : ParseInt(capacity.substr(eq + 1));
      if (!value) return Fail(ErrorCode::kUsage, "--capacity wants TYPE=N, not " + capacity);
      config.capacity[capacity.substr(0, eq)] = static_cast<int>(*value);
    }
    std::string now = GPUBOX_TRY(
        local::AdminCall(context.env, *running, account, "faults", local::FaultConfigJson(config)));
    context.out << now;
    return 0;
  }

 private:
  /// `up`'s grants: --allow-user and --allow-group, else the user behind sudo.
  Result<int> GrantAccess(CommandContext& context, const local::DaemonOptions& options,
                          const local::DaemonInfo& daemon) {
    std::vector<std::string> users = allow_users_;
    if (users.empty() && allow_groups_.empty() && RunningAsRoot()) {
      std::string sudo_user = context.env.Var("SUDO_USER").value_or("");
      if (!sudo_user.empty() && sudo_user != "root") users.push_back(sudo_user);
    }
    if (users.empty() && allow_groups_.empty()) return 0;
    if (!RunningAsRoot()) {
      return Fail(ErrorCode::kEnvironment, "granting access to the local cloud needs root",
                  "sudo gpubox local up --allow-user USER");
    }
    local::LocalAccount account =
        GPUBOX_TRY(local::LoadOrCreateAccount(context.env, options.state_dir));
    nlohmann::json body = {{"users", users}, {"groups", allow_groups_}};
    std::string text =
        GPUBOX_TRY(local::AdminCall(context.env, daemon, account, "grant", body.dump()));
    nlohmann::json answer = nlohmann::json::parse(text, nullptr, false);
    if (!answer.is_object()) return Fail(ErrorCode::kInternal, "local cloud: grant: " + text);
    for (const auto& granted : answer.value("granted", nlohmann::json::array())) {
      std::string group = granted.value("group", "");
      context.out << "granted " << granted.value("user", "") << ": key "
                  << granted.value("access_key_id", "") << ", account "
                  << granted.value("account_id", "")
                  << (group.empty() ? " (their own)" : " (shared by group " + group + ")") << '\n';
    }
    context.out << "they use gpubox without sudo; access means root inside instances that share "
                   "this host's kernel ('gpubox local revoke USER' takes it back)\n";
    return 0;
  }

  Result<int> Revoke(CommandContext& context, const local::DaemonOptions& options) {
    if (!RunningAsRoot()) {
      return Fail(ErrorCode::kEnvironment, "revoking access to the local cloud needs root",
                  "sudo gpubox local revoke " + revoke_user_);
    }
    auto running = local::FindRunningDaemon(context.env, options.state_dir);
    if (!running) return NotRunning(options);
    local::LocalAccount account =
        GPUBOX_TRY(local::LoadOrCreateAccount(context.env, options.state_dir));
    nlohmann::json body = {{"user", revoke_user_}};
    auto answer = nlohmann::json::parse(
        GPUBOX_TRY(local::AdminCall(context.env, *running, account, "revoke", body.dump())));
    context.out << "revoked " << revoke_user_ << ": their key no longer works; stopped "
                << answer.value("stopped_instances", 0) << " instance(s) they launched\n";
    return 0;
  }

  /// `status` as a granted user: the cloud root runs, and this user's own key.
  Result<int> SharedStatus(CommandContext& context, const local::SharedCloud& shared) {
    if (json_) {
      nlohmann::json status = {{"running", true},
                               {"endpoint", shared.daemon.endpoint},
                               {"pid", shared.daemon.pid},
                               {"user", shared.user},
                               {"account_id", shared.account.account_id},
                               {"access_key_id", shared.account.access_key_id},
                               {"secret_access_key", shared.account.secret_access_key}};
      context.out << status.dump(2) << '\n';
      return 0;
    }
    context.out << "endpoint   " << shared.daemon.endpoint << " (run by root, pid "
                << shared.daemon.pid << ")\n"
                << "user       " << shared.user << ", account " << shared.account.account_id << '\n'
                << "access key " << shared.account.access_key_id
                << " (secret: gpubox local status --json)\n";
    return 0;
  }

  /// TYPE@ZONE, TYPE (every zone) or *@ZONE.
  static local::CapacityFault Pool(const std::string& text) {
    size_t at = text.find('@');
    return {text.substr(0, at), at == std::string::npos ? "*" : text.substr(at + 1)};
  }

  Result<int> NotRunning(const local::DaemonOptions& options) {
    return Fail(ErrorCode::kNotFound,
                "the local cloud is not running (state " + options.state_dir + ")",
                "start it with 'gpubox local up'");
  }

  Result<int> Status(CommandContext& context, const local::DaemonOptions& options,
                     const std::optional<local::DaemonInfo>& running) {
    if (!running) {
      if (json_) {
        context.out << nlohmann::json{{"running", false}, {"state_dir", options.state_dir}}.dump(2)
                    << '\n';
        return 3;
      }
      return NotRunning(options);
    }
    local::LocalAccount account =
        GPUBOX_TRY(local::LoadOrCreateAccount(context.env, options.state_dir));
    std::string text = GPUBOX_TRY(local::AdminCall(context.env, *running, account, "status", "{}"));
    nlohmann::json status = nlohmann::json::parse(text);
    status["running"] = true;
    if (json_) {
      context.out << status.dump(2) << '\n';
      return 0;
    }
    context.out << "endpoint   " << status["endpoint"].get<std::string>() << '\n'
                << "pid        " << status["pid"] << '\n'
                << "state dir  " << status["state_dir"].get<std::string>() << '\n'
                << "runtime    "
                << (status["runtime"].get<bool>() ? "namespaces" : "none (API only)") << '\n'
                << "access key " << status["access_key_id"].get<std::string>()
                << " (secret: gpubox local status --json)\n";
    for (auto& [region, count] : status["instances"].items()) {
      context.out << "region     " << region << ": " << count << " instance(s)\n";
    }
    std::string by_user;
    nlohmann::json launched = status.value("instances_by_user", nlohmann::json::object());
    for (auto& [user, count] : launched.items()) {
      by_user += (by_user.empty() ? "" : ", ") + user + ": " + count.dump();
    }
    if (!by_user.empty()) context.out << "launched   by " << by_user << '\n';
    nlohmann::json access = status.value("access", nlohmann::json::array());
    if (access.empty()) {
      context.out << "access     root only ('sudo gpubox local up --allow-user USER' grants)\n";
    }
    for (const auto& granted : access) {
      std::string group = granted.value("group", "");
      context.out << "access     " << granted.value("user", "") << ": key "
                  << granted.value("access_key_id", "") << ", account "
                  << granted.value("account_id", "")
                  << (group.empty() ? " (own)" : " (group " + group + ")") << ", "
                  << granted.value("instances", 0) << " instance(s)\n";
    }
    return 0;
  }

  CLI::App* up_ = nullptr;
  CLI::App* serve_ = nullptr;
  CLI::App* status_ = nullptr;
  CLI::App* down_ = nullptr;
  CLI::App* fault_ = nullptr;
  CLI::App* revoke_ = nullptr;
  std::vector<std::string> allow_users_;
  std::vector<std::string> allow_groups_;
  std::string revoke_user_;
  std::string state_dir_;
  int port_ = local::kDefaultPort;
  bool no_runtime_ = false;
  bool json_ = false;
  bool purge_ = false;
  std::optional<double> throttle_;
  std::optional<int> latency_ms_;
  std::optional<double> error_rate_;
  std::optional<double> capacity_error_rate_;
  std::optional<int> spot_notice_;
  std::vector<std::string> capacity_errors_;
  std::vector<std::string> quotas_;
  std::vector<std::string> capacities_;
  std::vector<std::string> withdraw_;
  std::vector<std::string> restore_;
  std::string interrupt_;
  bool clear_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeLocalCommand() { return std::make_unique<LocalCommand>(); }

}  // namespace gpubox
