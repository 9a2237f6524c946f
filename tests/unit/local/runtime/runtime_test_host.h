#pragma once
/// Shared by the root-only instance runtime tests: one runtime per test
/// process with its own prefix ("gbxt"), subnet and state directory, a
/// client key, ssh and curl helpers, and clean-up that runs even when a test
/// fails (fixture TearDown and a global environment). Test processes take a
/// file lock so two of them never share the prefix at once.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "gpubox/local/runtime/instance_runtime.h"
#include "gpubox/sys/real_env.h"
#include "gpubox/sys/real_file_system.h"
#include "gpubox/sys/real_process_runner.h"

namespace gpubox::local::testing_host {

inline constexpr char kTestPrefix[] = "gbxt";
inline constexpr char kTestSubnet[] = "10.213.250.0/24";
inline constexpr char kBridgeIp[] = "10.213.250.1";
inline constexpr char kHiddenDir[] = "/var/tmp/gbxt-hidden";

class RuntimeTestHost {
 public:
  /// The process-wide host; created (lock, sweep, client key) on first use.
  static RuntimeTestHost& Get();
  /// Sweeps everything of the prefix if Get() was ever called.
  static void CleanUpIfUsed();

  InstanceRuntime& runtime() { return *runtime_; }
  /// A fresh runtime object over the same state (a daemon restart).
  void RestartRuntime();
  RuntimeConfig config() const { return runtime_->config(); }
  ProcessRunner& runner() { return runner_; }
  Env& env() { return env_; }

  /// Public key line for authorized_keys.
  const std::string& public_key() const { return public_key_; }
  /// Runs `command` over ssh as ubuntu@ip; returns exit code and output.
  ProcessResult Ssh(const std::string& ip, const std::string& command,
                    const std::vector<std::string>& extra_options = {});
  /// The argv of such an ssh, for a background tunnel.
  std::vector<std::string> SshArgv(const std::string& ip,
                                   const std::vector<std::string>& extra_options);
  /// Runs argv inside the instance's network namespace (nsenter --net).
  ProcessResult InNetns(const std::string& instance_id, const std::vector<std::string>& argv);

  /// A launch spec admitting ssh from the host only.
  InstanceSpec Spec(const std::string& instance_id);
  /// Sweeps all instances, namespaces and the bridge of the prefix.
  void CleanUp();

 private:
  RuntimeTestHost();

  int lock_fd_ = -1;
  RealProcessRunner runner_;
  RealFileSystem files_;
  RealEnv real_env_;
  Env env_;
  std::string work_dir_;
  std::string key_path_;
  std::string public_key_;
  std::unique_ptr<InstanceRuntime> runtime_;
};

/// Fixture: skips unless root; cleans up after every test, pass or fail.
class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  RuntimeTestHost& host() { return *host_; }
  InstanceRuntime& runtime() { return host_->runtime(); }

 private:
  RuntimeTestHost* host_ = nullptr;
};

/// Sum of VmRSS (KiB) of the processes of a PID namespace.
long RssKibOfPidNamespace(uint64_t pid_namespace);

}  // namespace gpubox::local::testing_host
