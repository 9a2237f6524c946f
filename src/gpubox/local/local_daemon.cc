#include "gpubox/local/local_daemon.h"

#include <nlohmann/json.hpp>

#include "gpubox/local/access_registry.h"
#include "gpubox/local/runtime/host_processes.h"
#include "gpubox/local/runtime/ipv4_subnet.h"
#include "gpubox/local/runtime/runtime_config.h"
#include "gpubox/sys/file_system.h"
#include "gpubox/sys/http_transport.h"
#include "gpubox/sys/this_process.h"
#include "gpubox/sys/user_accounts.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

bool Answers(Env& env, int port) {
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/_gpubox/health";
  request.connect_timeout_ms = 300;
  request.total_timeout_ms = 1000;
  auto response = env.http->Send(request);
  return response && response->status == 200;
}

}  // namespace

std::string DefaultStateDir(const Env& env) {
  if (auto dir = env.Var("GPUBOX_LOCAL_STATE_DIR"); dir && !dir->empty()) return *dir;
  if (RunningAsRoot()) return "/var/lib/gpubox-local";
  if (auto xdg = env.Var("XDG_STATE_HOME"); xdg && !xdg->empty()) return *xdg + "/gpubox/local";
  return env.Var("HOME").value_or("/tmp") + "/.local/state/gpubox/local";
}

Result<void> RequireRoot() {
  if (RunningAsRoot()) return {};
  return Fail(ErrorCode::kEnvironment, "the local cloud needs root for network namespaces",
              "start it once with 'sudo gpubox local up' (it grants the user behind sudo, who then "
              "uses gpubox without sudo), or 'gpubox local serve --no-runtime' for the API alone");
}

Result<std::string> HostBridgeCidr(const Env& env) {
  std::string cidr = env.Var("GPUBOX_LOCAL_SUBNET").value_or(RuntimeConfig{}.subnet);
  auto subnet = GPUBOX_TRY(Ipv4Subnet::Parse(cidr));
  return subnet.Host(1) + "/32";
}

Result<LocalAccount> LoadOrCreateAccount(Env& env, const std::string& state_dir) {
  std::string path = state_dir + "/account.json";
  if (auto text = env.files->ReadFile(path)) {
    auto json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_object()) {
      return LocalAccount{json.value("account_id", ""), json.value("access_key_id", ""),
                          json.value("secret_access_key", "")};
    }
  }
  GPUBOX_TRY_VOID(env.files->MakeDirs(state_dir, 0700));
  std::string account_id = NewAccountId(env);
  LocalAccount account = NewAccessKey(env);
  account.account_id = account_id;
  nlohmann::json json = {{"account_id", account.account_id},
                         {"access_key_id", account.access_key_id},
                         {"secret_access_key", account.secret_access_key}};
  GPUBOX_TRY_VOID(env.files->WriteFile(path, json.dump(2) + "\n", 0600));
  return account;
}

std::optional<DaemonInfo> FindRunningDaemon(Env& env, const std::string& state_dir) {
  auto text = env.files->ReadFile(state_dir + "/daemon.json");
  if (!text) return std::nullopt;
  auto json = nlohmann::json::parse(*text, nullptr, false);
  if (!json.is_object()) return std::nullopt;
  DaemonInfo info{json.value("endpoint", ""), json.value("port", 0), json.value("pid", 0)};
  if (!ProcessExists(info.pid) || !Answers(env, info.port)) return std::nullopt;
  return info;
}

Result<std::string> AdminCall(Env& env, const DaemonInfo& daemon, const LocalAccount& account,
                              const std::string& op, const std::string& body) {
  HttpRequest request;
  request.method = "POST";
  request.url = daemon.endpoint + "/_gpubox/admin/" + op;
  request.headers = {{"Authorization", "Bearer " + account.secret_access_key},
                     {"Content-Type", "application/json"}};
  request.body = body;
  request.total_timeout_ms = 120000;
  auto response = env.http->Send(request);
  if (!response) {
    return Fail(ErrorCode::kNetwork, "the local cloud at " + daemon.endpoint + " did not answer");
  }
  if (response->status != 200) {
    auto json = nlohmann::json::parse(response->body, nullptr, false);
    if (!json.is_object()) return Fail(ErrorCode::kUsage, "local cloud: " + response->body);
    ErrorCode code = json.value("exit_code", 2) == ExitCodeFor(ErrorCode::kNotFound)
                         ? ErrorCode::kNotFound
                         : ErrorCode::kUsage;
    return Fail(code, "local cloud: " + json.value("error", response->body),
                json.value("hint", ""));
  }
  return response->body;
}

std::string PublicDir(const Env& env) {
  if (auto dir = env.Var("GPUBOX_LOCAL_PUBLIC_DIR"); dir && !dir->empty()) return *dir;
  return "/run/gpubox";
}

Result<std::optional<SharedCloud>> FindSharedCloud(Env& env) {
  std::string dir = PublicDir(env);
  auto daemon = FindRunningDaemon(env, dir);
  if (!daemon) return std::optional<SharedCloud>();
  auto user = CurrentUser();
  std::string name = user ? user->name : "this user";
  auto text = env.files->ReadFile(dir + "/credentials/" + name + ".json");
  auto json = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
  if (!user || !json.is_object() || json.value("access_key_id", "").empty()) {
    return Fail(ErrorCode::kCredentials,
                "user " + name + " has no access to the local cloud at " + daemon->endpoint,
                "an administrator grants it with 'sudo gpubox local up --allow-user " + name +
                    "' (or --allow-group GROUP); access means root inside its instances");
  }
  auto info = nlohmann::json::parse(env.files->ReadFile(dir + "/daemon.json").value_or("{}"),
                                    nullptr, false);
  SharedCloud shared{*daemon,
                     {json.value("account_id", ""), json.value("access_key_id", ""),
                      json.value("secret_access_key", "")},
                     name,
                     info.is_object() ? info.value("caller_cidr", "") : ""};
  return std::optional<SharedCloud>(std::move(shared));
}

std::string DaemonExecutable(const Env& env) {
  size_t slash = env.executable.rfind('/');
  std::string dir = slash == std::string::npos ? "." : env.executable.substr(0, slash);
  return dir + "/gpubox-local";
}

Result<DaemonInfo> StartDaemon(Env& env, const DaemonOptions& options) {
  if (auto running = FindRunningDaemon(env, options.state_dir)) return *running;
  if (!options.no_runtime) GPUBOX_TRY_VOID(RequireRoot());
  GPUBOX_TRY_VOID(env.files->MakeDirs(options.state_dir, 0700));
  std::string log = options.state_dir + "/daemon.log";
  std::vector<std::string> argv = {DaemonExecutable(env),        "serve",       "--port",
                                   std::to_string(options.port), "--state-dir", options.state_dir};
  if (options.no_runtime) argv.push_back("--no-runtime");
  pid_t child = GPUBOX_TRY(SpawnDetached(argv, log));
  for (int attempt = 0; attempt < 300; ++attempt) {
    if (!IsAlive(child)) {
      ReapIfExited(child);
      std::string tail = env.files->ReadFile(log).value_or("");
      if (tail.size() > 600) tail = tail.substr(tail.size() - 600);
      return Fail(ErrorCode::kEnvironment,
                  "the local cloud daemon exited at start: " + std::string(Trim(tail)),
                  "see " + log);
    }
    if (auto running = FindRunningDaemon(env, options.state_dir)) return *running;
    env.clock->SleepMicros(100'000);
  }
  return Fail(ErrorCode::kEnvironment, "the local cloud daemon did not answer within 30 s",
              "see " + log);
}

Result<void> StopDaemon(Env& env, const std::string& state_dir, bool purge) {
  if (auto running = FindRunningDaemon(env, state_dir)) {
    LocalAccount account = GPUBOX_TRY(LoadOrCreateAccount(env, state_dir));
    nlohmann::json body = {{"purge", purge}};
    GPUBOX_TRY(AdminCall(env, *running, account, "shutdown", body.dump()));
    for (int attempt = 0; attempt < 1200 && ProcessExists(running->pid); ++attempt) {
      env.clock->SleepMicros(50'000);
    }
    if (ProcessExists(running->pid)) {
      return Fail(ErrorCode::kEnvironment, "the local cloud daemon (pid " +
                                               std::to_string(running->pid) +
                                               ") did not stop within 60 s");
    }
  }
  if (purge) return RemoveTree(state_dir);
  return {};
}

}  // namespace gpubox::local
