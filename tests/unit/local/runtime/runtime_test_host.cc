#include "runtime_test_host.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>

#include "gpubox/local/runtime/host_processes.h"
#include "gpubox/util/strings.h"

extern char** environ;

namespace gpubox::local::testing_host {
namespace {

RuntimeTestHost* g_host = nullptr;

/// Sweeps at the end of the test program even if a test crashed its fixture.
class CleanUpEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { RuntimeTestHost::CleanUpIfUsed(); }
};

[[maybe_unused]] ::testing::Environment* const kCleanUp =
    ::testing::AddGlobalTestEnvironment(new CleanUpEnvironment);

}  // namespace

RuntimeTestHost& RuntimeTestHost::Get() {
  if (g_host == nullptr) g_host = new RuntimeTestHost();
  return *g_host;
}

void RuntimeTestHost::CleanUpIfUsed() {
  if (g_host == nullptr) return;
  g_host->CleanUp();
  g_host->runner().Run({"rm", "-rf", kHiddenDir});
}

RuntimeTestHost::RuntimeTestHost() : real_env_(environ) {
  lock_fd_ = open("/run/lock/gpubox-runtime-tests.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ >= 0) flock(lock_fd_, LOCK_EX);
  env_ = real_env_.env();
  env_.processes = &runner_;
  env_.files = &files_;
  work_dir_ = "/tmp/gbxt-runtime-tests";
  RuntimeConfig config;
  config.state_dir = work_dir_ + "/state";
  config.name_prefix = kTestPrefix;
  config.subnet = kTestSubnet;
  // A host directory the instances must not see (like the daemon's secrets).
  files_.MakeDirs(kHiddenDir, 0755);
  files_.WriteFile(std::string(kHiddenDir) + "/secret", "host-only\n", 0644);
  config.hidden_dirs = {kHiddenDir};
  // Whatever a crashed earlier run left behind goes first.
  auto runtime = InstanceRuntime::Create(config, env_);
  if (!runtime) {
    ADD_FAILURE() << runtime.error().message;
    std::abort();
  }
  runtime_ = std::move(*runtime);
  CleanUp();
  runner_.Run({"rm", "-rf", work_dir_ + "/client"});
  files_.MakeDirs(work_dir_ + "/client", 0700);
  key_path_ = work_dir_ + "/client/id_ed25519";
  runner_.Run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "gbxt", "-f", key_path_});
  public_key_ = files_.ReadFile(key_path_ + ".pub").value_or("");
}

void RuntimeTestHost::RestartRuntime() {
  RuntimeConfig config = runtime_->config();
  runtime_.reset();
  runtime_ = std::move(InstanceRuntime::Create(config, env_).value());
}

void RuntimeTestHost::CleanUp() {
  auto swept = runtime_->TerminateAll();
  if (!swept) ADD_FAILURE() << "clean-up: " << swept.error().message;
}

std::vector<std::string> RuntimeTestHost::SshArgv(const std::string& ip,
                                                  const std::vector<std::string>& extra_options) {
  std::vector<std::string> argv = {"ssh",
                                   "-F",
                                   "/dev/null",
                                   "-i",
                                   key_path_,
                                   "-o",
                                   "StrictHostKeyChecking=no",
                                   "-o",
                                   "UserKnownHostsFile=/dev/null",
                                   "-o",
                                   "BatchMode=yes",
                                   "-o",
                                   "ConnectTimeout=5",
                                   "-o",
                                   "LogLevel=ERROR"};
  argv.insert(argv.end(), extra_options.begin(), extra_options.end());
  argv.push_back("ubuntu@" + ip);
  return argv;
}

ProcessResult RuntimeTestHost::Ssh(const std::string& ip, const std::string& command,
                                   const std::vector<std::string>& extra_options) {
  std::vector<std::string> argv = SshArgv(ip, extra_options);
  argv.push_back(command);
  auto result = runner_.Run(argv, {.stdin_text = "", .timeout_ms = 30000});
  return result ? *result : ProcessResult{255, "", result.error().message};
}

ProcessResult RuntimeTestHost::InNetns(const std::string& instance_id,
                                       const std::vector<std::string>& argv) {
  std::vector<std::string> full = {"nsenter", "--net=" + config().NetnsPath(instance_id)};
  full.insert(full.end(), argv.begin(), argv.end());
  auto result = runner_.Run(full, {.stdin_text = "", .timeout_ms = 30000});
  return result ? *result : ProcessResult{255, "", result.error().message};
}

InstanceSpec RuntimeTestHost::Spec(const std::string& instance_id) {
  InstanceSpec spec;
  spec.instance_id = instance_id;
  spec.instance_type = "g4dn.xlarge";
  spec.image_id = "ami-0gbxt";
  spec.key_name = "gbxt";
  spec.authorized_keys = public_key_;
  spec.ingress = {{"tcp", 22, 22, {std::string(kBridgeIp) + "/32"}}};
  return spec;
}

void RuntimeTest::SetUp() {
  if (geteuid() != 0) {
    GTEST_SKIP() << "the instance runtime tests need root (network namespaces, sshd, nft)";
  }
  host_ = &RuntimeTestHost::Get();
}

void RuntimeTest::TearDown() {
  if (host_ != nullptr) host_->CleanUp();
}

long RssKibOfPidNamespace(uint64_t pid_namespace) {
  long total = 0;
  for (pid_t pid : ProcessesInNamespace("pid", pid_namespace)) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmRSS:", 0) == 0)
        total += ParseInt(Trim(line.substr(6, line.size() - 9))).value_or(0);
    }
  }
  return total;
}

}  // namespace gpubox::local::testing_host
