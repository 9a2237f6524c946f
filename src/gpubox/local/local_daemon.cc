#include "gpubox/local/local_daemon.h"

#include <fcntl.h>
#include <httplib.h>
#include <openssl/rand.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "gpubox/local/runtime_instance_host.h"
#include "gpubox/sys/real_file_system.h"
#include "gpubox/sys/real_process_runner.h"

namespace gpubox::local {
namespace {

constexpr int64_t kTickMicros = 200 * 1000;

std::string RandomText(const char* alphabet, size_t length) {
  std::string text;
  std::string_view letters(alphabet);
  unsigned char bytes[64];
  RAND_bytes(bytes, sizeof bytes);
  for (size_t index = 0; index < length; ++index) text += letters[bytes[index] % letters.size()];
  return text;
}

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Fail(ErrorCode::kNotFound, "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<void> WriteText(const std::string& path, const std::string& text, int mode) {
  std::string temp = path + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) return Fail(ErrorCode::kEnvironment, "cannot write " + path);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::fchmod(fd, mode);
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    return Fail(ErrorCode::kEnvironment, "cannot write " + path);
  }
  return {};
}

bool Answers(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(0, 300000);
  client.set_read_timeout(1, 0);
  auto response = client.Get("/_gpubox/health");
  return response && response->status == 200;
}

std::atomic<bool> g_stop_requested{false};

}  // namespace

std::string DefaultStateDir(const Env& env) {
  if (auto dir = env.Var("GPUBOX_LOCAL_STATE_DIR"); dir && !dir->empty()) return *dir;
  if (geteuid() == 0) return "/var/lib/gpubox-local";
  if (auto xdg = env.Var("XDG_STATE_HOME"); xdg && !xdg->empty()) return *xdg + "/gpubox/local";
  return env.Var("HOME").value_or("/tmp") + "/.local/state/gpubox/local";
}

Result<void> RequireRoot() {
  if (geteuid() == 0) return {};
  return Fail(ErrorCode::kEnvironment, "the local cloud needs root for network namespaces",
              "run it with sudo, or use 'gpubox local serve --no-runtime' for the API alone");
}

Result<LocalAccount> LoadOrCreateAccount(const std::string& state_dir) {
  std::string path = state_dir + "/account.json";
  if (auto text = ReadText(path)) {
    auto json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_object()) {
      return LocalAccount{json.value("account_id", ""), json.value("access_key_id", ""),
                          json.value("secret_access_key", "")};
    }
  }
  std::error_code ignored;
  std::filesystem::create_directories(state_dir, ignored);
  LocalAccount account{
      RandomText("0123456789", 12), "AKIA" + RandomText("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
      RandomText("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 40)};
  if (account.account_id[0] == '0') account.account_id[0] = '1';
  nlohmann::json json = {{"account_id", account.account_id},
                         {"access_key_id", account.access_key_id},
                         {"secret_access_key", account.secret_access_key}};
  GPUBOX_TRY_VOID(WriteText(path, json.dump(2) + "\n", 0600));
  return account;
}

std::optional<DaemonInfo> FindRunningDaemon(const std::string& state_dir) {
  auto text = ReadText(state_dir + "/daemon.json");
  if (!text) return std::nullopt;
  auto json = nlohmann::json::parse(*text, nullptr, false);
  if (!json.is_object()) return std::nullopt;
  DaemonInfo info{json.value("endpoint", ""), json.value("port", 0), json.value("pid", 0)};
  if (info.pid <= 0 || ::kill(info.pid, 0) != 0 || !Answers(info.port)) return std::nullopt;
  return info;
}

Result<std::string> AdminCall(const DaemonInfo& daemon, const LocalAccount& account,
                              const std::string& op, const std::string& body) {
  httplib::Client client("127.0.0.1", daemon.port);
  client.set_read_timeout(120, 0);
  httplib::Headers headers = {{"Authorization", "Bearer " + account.secret_access_key}};
  auto response = client.Post(("/_gpubox/admin/" + op).c_str(), headers, body, "application/json");
  if (!response) {
    return Fail(ErrorCode::kNetwork, "the local cloud at " + daemon.endpoint + " did not answer");
  }
  if (response->status != 200) {
    auto json = nlohmann::json::parse(response->body, nullptr, false);
    std::string message = json.is_object() ? json.value("error", response->body) : response->body;
    return Fail(ErrorCode::kUsage, "local cloud: " + message);
  }
  return response->body;
}

Result<int> RunDaemon(Env& env, const DaemonOptions& options, std::ostream& err) {
  if (!options.no_runtime) GPUBOX_TRY_VOID(RequireRoot());
  const std::string& dir = options.state_dir;
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  ::chmod(dir.c_str(), 0700);
  int lock_fd = ::open((dir + "/daemon.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    return Fail(ErrorCode::kEnvironment, "a local cloud daemon already runs for " + dir,
                "see 'gpubox local status'");
  }
  LocalAccount account = GPUBOX_TRY(LoadOrCreateAccount(dir));
  auto store = GPUBOX_TRY(Store::Open(dir + "/local.db"));

  RealProcessRunner processes;
  RealFileSystem files;
  Env host_env = env;
  if (!host_env.processes) host_env.processes = &processes;
  if (!host_env.files) host_env.files = &files;
  std::unique_ptr<InstanceHost> host;
  RuntimeInstanceHost* runtime_host = nullptr;
  if (options.no_runtime) {
    host = std::make_unique<NullInstanceHost>();
  } else {
    RuntimeConfig config;
    config.state_dir = dir + "/runtime";
    config.hidden_dirs = {dir};  // the account keys live here: instances must not read them
    if (auto prefix = env.Var("GPUBOX_LOCAL_PREFIX")) config.name_prefix = *prefix;
    if (auto subnet = env.Var("GPUBOX_LOCAL_SUBNET")) config.subnet = *subnet;
    auto runtime = GPUBOX_TRY(InstanceRuntime::Create(config, host_env));
    auto real = std::make_unique<RuntimeInstanceHost>(std::move(runtime), dir + "/images");
    runtime_host = real.get();
    host = std::move(real);
  }
  Ec2Service ec2(env, *store, *host, account.account_id);
  GPUBOX_TRY_VOID(ec2.Load());
  std::string config_path = dir + "/config.json";
  if (auto text = ReadText(config_path)) {
    ec2.SetFaults(GPUBOX_TRY(ParseFaultConfig(*text)));
  }
  QuotasService quotas(ec2, *store);

  std::atomic<bool> purge{false};
  std::string endpoint;
  ApiServer* server_ptr = nullptr;
  AdminHooks hooks;
  hooks.set_faults = [&](std::string_view json) -> Result<std::string> {
    FaultConfig config = GPUBOX_TRY(ParseFaultConfig(json));
    std::string text = FaultConfigJson(config);
    GPUBOX_TRY_VOID(WriteText(config_path, text, 0600));
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
                             {"pid", ::getpid()},
                             {"runtime", !options.no_runtime}};
    return status.dump();
  };
  ApiServer server(env, ec2, quotas, account, hooks);
  server_ptr = &server;
  int port = GPUBOX_TRY(server.Bind(options.port));
  endpoint = "http://127.0.0.1:" + std::to_string(port);
  nlohmann::json info = {{"endpoint", endpoint}, {"port", port}, {"pid", ::getpid()}};
  GPUBOX_TRY_VOID(WriteText(dir + "/daemon.json", info.dump() + "\n", 0600));

  // Signals end the daemon like an admin shutdown; a watcher thread stops the server.
  g_stop_requested = false;
  ::signal(SIGTERM, [](int) { g_stop_requested = true; });
  ::signal(SIGINT, [](int) { g_stop_requested = true; });
  ::signal(SIGPIPE, SIG_IGN);
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
  ::unlink((dir + "/daemon.json").c_str());
  host.reset();
  store.reset();
  if (purge) {
    std::filesystem::remove_all(dir, error);
  }
  ::close(lock_fd);
  return 0;
}

Result<DaemonInfo> StartDaemon(const std::string& exe, const DaemonOptions& options) {
  if (auto running = FindRunningDaemon(options.state_dir)) return *running;
  if (!options.no_runtime) GPUBOX_TRY_VOID(RequireRoot());
  std::error_code error;
  std::filesystem::create_directories(options.state_dir, error);
  std::string log = options.state_dir + "/daemon.log";
  std::string port = std::to_string(options.port);
  pid_t child = ::fork();
  if (child < 0) return Fail(ErrorCode::kEnvironment, "cannot fork the local cloud daemon");
  if (child == 0) {
    ::setsid();
    int null_fd = ::open("/dev/null", O_RDONLY);
    int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    if (log_fd >= 0) {
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
    }
    std::vector<std::string> args = {exe,  "local",       "serve",          "--port",
                                     port, "--state-dir", options.state_dir};
    if (options.no_runtime) args.push_back("--no-runtime");
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  for (int attempt = 0; attempt < 300; ++attempt) {
    int status = 0;
    if (::waitpid(child, &status, WNOHANG) == child) {
      std::string tail = ReadText(log).value_or("");
      if (tail.size() > 600) tail = tail.substr(tail.size() - 600);
      while (!tail.empty() && tail.back() == '\n') tail.pop_back();
      return Fail(ErrorCode::kEnvironment, "the local cloud daemon exited at start: " + tail,
                  "see " + log);
    }
    if (auto running = FindRunningDaemon(options.state_dir)) return *running;
    usleep(100 * 1000);
  }
  return Fail(ErrorCode::kEnvironment, "the local cloud daemon did not answer within 30 s",
              "see " + log);
}

Result<void> StopDaemon(const std::string& state_dir, bool purge) {
  auto running = FindRunningDaemon(state_dir);
  if (running) {
    LocalAccount account = GPUBOX_TRY(LoadOrCreateAccount(state_dir));
    nlohmann::json body = {{"purge", purge}};
    GPUBOX_TRY(AdminCall(*running, account, "shutdown", body.dump()));
    for (int attempt = 0; attempt < 1200 && ::kill(running->pid, 0) == 0; ++attempt) {
      usleep(50 * 1000);
    }
    if (::kill(running->pid, 0) == 0) {
      return Fail(ErrorCode::kEnvironment, "the local cloud daemon (pid " +
                                               std::to_string(running->pid) +
                                               ") did not stop within 60 s");
    }
  }
  if (purge) {
    std::error_code error;
    std::filesystem::remove_all(state_dir, error);
  }
  return {};
}

}  // namespace gpubox::local
