#include "gpubox/local/local_serve.h"

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "gpubox/local/access_admin.h"
#include "gpubox/local/local_daemon.h"
#include "gpubox/local/runtime_instance_host.h"
#include "gpubox/sys/file_system.h"
#include "gpubox/sys/this_process.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

constexpr int64_t kTickMicros = 50 * 1000;  // spot, faults and instance transitions

std::atomic<bool> g_stop_requested{false};

/// The instances' host: the runtime (namespaces, sshd, disks) or, API only, none.
Result<std::unique_ptr<InstanceHost>> MakeInstanceHost(Env& env, const DaemonOptions& options,
                                                       RuntimeInstanceHost** runtime_host) {
  if (options.no_runtime) return std::make_unique<NullInstanceHost>();
  RuntimeConfig config;
  config.state_dir = options.state_dir + "/runtime";
  // The keys (the account's, every granted user's): instances must not read them.
  config.hidden_dirs = {options.state_dir, PublicDir(env)};
  if (auto prefix = env.Var("GPUBOX_LOCAL_PREFIX")) config.name_prefix = *prefix;
  if (auto subnet = env.Var("GPUBOX_LOCAL_SUBNET")) config.subnet = *subnet;
  auto runtime = GPUBOX_TRY(InstanceRuntime::Create(config, env));
  auto real =
      std::make_unique<RuntimeInstanceHost>(std::move(runtime), options.state_dir + "/images");
  *runtime_host = real.get();
  return real;
}

}  // namespace

Result<int> RunDaemon(Env& env, const DaemonOptions& options, std::ostream& err) {
  if (!options.no_runtime) GPUBOX_TRY_VOID(RequireRoot());
  const std::string& dir = options.state_dir;
  GPUBOX_TRY_VOID(env.files->MakeDirs(dir, 0700));
  auto lock = LockFile::Acquire(dir + "/daemon.lock");
  if (!lock) {
    return Fail(ErrorCode::kEnvironment, "a local cloud daemon already runs for " + dir,
                "see 'gpubox local status'");
  }
  LocalAccount account = GPUBOX_TRY(LoadOrCreateAccount(env, dir));
  auto store = GPUBOX_TRY(Store::Open(dir + "/local.db"));

  RuntimeInstanceHost* runtime_host = nullptr;
  std::unique_ptr<InstanceHost> host = GPUBOX_TRY(MakeInstanceHost(env, options, &runtime_host));
  Ec2Service ec2(env, *store, *host, account.account_id);
  GPUBOX_TRY_VOID(ec2.Load());
  std::string config_path = dir + "/config.json";
  if (auto text = env.files->ReadFile(config_path)) {
    ec2.SetFaults(GPUBOX_TRY(ParseFaultConfig(*text)));
  }
  QuotasService quotas(ec2, *store);
  auto access = GPUBOX_TRY(AccessRegistry::Load(env, dir + "/access.json"));
  AccessAdmin access_admin(env, *access, ec2, PublicDir(env));

  std::atomic<bool> purge{false};
  std::string endpoint;
  ApiServer* server_ptr = nullptr;
  AdminHooks hooks;
  hooks.set_faults = [&](std::string_view json) -> Result<std::string> {
    FaultConfig config = GPUBOX_TRY(ParseFaultConfig(json));
    std::string text = FaultConfigJson(config);
    GPUBOX_TRY_VOID(env.files->WriteFile(config_path, text, 0600));
    ec2.SetFaults(config);
    return text;
  };
  hooks.shutdown = [&](bool purge_all) {
    purge = purge_all;
    g_stop_requested = true;
  };
  hooks.status_json = [&] {
    nlohmann::json status = {{"endpoint", endpoint},
                             {"regions", LocalRegions()},
                             {"access_key_id", account.access_key_id},
                             {"secret_access_key", account.secret_access_key},
                             {"account_id", account.account_id},
                             {"state_dir", dir},
                             {"pid", ThisProcessId()},
                             {"runtime", !options.no_runtime},
                             {"public_dir", PublicDir(env)},
                             {"access", access_admin.StatusJson()},
                             {"instances_by_user", ec2.LiveInstancesByPrincipal()}};
    return status.dump();
  };
  hooks.grant = [&](std::string_view json) { return access_admin.Grant(json); };
  hooks.revoke = [&](std::string_view json) { return access_admin.Revoke(json); };
  ApiServer server(env, ec2, quotas, account, hooks, access.get());
  server_ptr = &server;
  int port = GPUBOX_TRY(server.Bind(options.port));
  endpoint = "http://127.0.0.1:" + std::to_string(port);
  nlohmann::json info = {{"endpoint", endpoint}, {"port", port}, {"pid", ThisProcessId()}};
  GPUBOX_TRY_VOID(env.files->WriteFile(dir + "/daemon.json", info.dump() + "\n", 0600));
  GPUBOX_TRY_VOID(access_admin.Publish(endpoint, port, ThisProcessId()));

  // Signals end the daemon like an admin shutdown; a watcher thread stops the server.
  g_stop_requested = false;
  StopOnSignals(g_stop_requested);
  std::atomic<bool> serving{true};
  std::thread ticker([&] {
    while (serving) {
      if (g_stop_requested) {
        server_ptr->Stop();
        break;
      }
      ec2.Tick();
      env.clock->SleepMicros(kTickMicros);
    }
  });
  err << "gpubox local cloud listening on " << endpoint << " (state " << dir << ")" << std::endl;
  server.Serve();
  serving = false;
  g_stop_requested = true;
  ticker.join();
  if (purge) {
    ec2.TerminateAllForPurge();
    if (runtime_host) (void)runtime_host->runtime().TerminateAll();
  } else {
    int stopped = ec2.StopAllForShutdown();
    err << "stopped " << stopped << " instance(s); their disks are kept" << std::endl;
  }
  (void)env.files->Remove(dir + "/daemon.json");
  access_admin.Withdraw(purge);
  host.reset();
  store.reset();
  if (purge) GPUBOX_TRY_VOID(RemoveTree(dir));
  return 0;
}

int DaemonMain(int argc, const char* const* argv, Env& env, std::ostream& err) {
  DaemonOptions options;
  options.state_dir = DefaultStateDir(env);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args.front() == "serve") args.erase(args.begin());
  for (size_t arg_idx = 0; arg_idx < args.size(); ++arg_idx) {
    const std::string& arg = args[arg_idx];
    bool has_value = arg_idx + 1 < args.size();
    if (arg == "--no-runtime") {
      options.no_runtime = true;
    } else if (arg == "--state-dir" && has_value) {
      options.state_dir = args[++arg_idx];
    } else if (arg == "--port" && has_value && ParseInt(args[arg_idx + 1])) {
      options.port = static_cast<int>(*ParseInt(args[++arg_idx]));
    } else {
      err << "gpubox-local: error: unexpected argument '" << arg
          << "'; hint: gpubox-local serve [--port N] [--state-dir DIR] [--no-runtime]\n";
      return ExitCodeFor(ErrorCode::kUsage);
    }
  }
  Result<int> status = RunDaemon(env, options, err);
  if (!status) {
    err << "gpubox: error: " << status.error().message;
    if (!status.error().hint.empty()) err << "; hint: " << status.error().hint;
    err << '\n';
    return ExitCodeFor(status.error().code);
  }
  return *status;
}

}  // namespace gpubox::local
