#pragma once
/// The local cloud's instance runtime: makes instances real on this host.
/// An instance is a network namespace on the runtime's bridge with its own IP
/// and nftables firewall, a PID + mount + UTS namespace whose root is an
/// overlay of the host's / with the instance's private disk on top, its own
/// sshd (login "ubuntu" with the caller's key), IMDSv2 at 169.254.169.254
/// served by a thread of this process, and user data run once at first boot.
///
/// The API server owns the truth (which instances exist and should run) and
/// calls this: Launch on RunInstances, Stop/Start/Terminate on the matching
/// calls, Status for DescribeInstances (kStarting = pending, kRunning =
/// running), Recover for each instance after a daemon restart. Instances keep
/// running when this object (or the process) goes away; IMDS does not, until
/// Recover. Every method is safe to call from several threads.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gpubox/local/runtime/host_network.h"
#include "gpubox/local/runtime/instance_disk.h"
#include "gpubox/local/runtime/instance_spec.h"
#include "gpubox/local/runtime/runtime_config.h"
#include "gpubox/sys/env.h"

namespace gpubox::local {

class InstanceRuntime {
 public:
  /// env.processes, env.files and env.clock must be set and outlive the
  /// runtime. kEnvironment (one clear line) when not root, or when a needed
  /// program (ip, nft, sshd, ssh-keygen, nsenter, unshare) is missing.
  static Result<std::unique_ptr<InstanceRuntime>> Create(RuntimeConfig config, const Env& env);
  ~InstanceRuntime();  ///< stops the IMDS threads; instances keep running

  /// Creates the instance's disk (fresh or from spec.base_image_dir) and
  /// starts it. Picks a free IP when spec.private_ip is empty. Returns at
  /// once with kStarting; sshd answers within a second or so.
  Result<InstanceStatus> Launch(const InstanceSpec& spec);
  /// Starts a stopped instance again (same IP, same disk); no-op if running.
  Result<void> Start(const std::string& instance_id);
  /// Kills every process of the instance and removes its network; keeps its disk.
  Result<void> Stop(const std::string& instance_id);
  /// Stop, then deletes the disk and everything else of the instance.
  Result<void> Terminate(const std::string& instance_id);

  /// kNotFound for an unknown instance. Probes sshd while kStarting.
  Result<InstanceStatus> Status(const std::string& instance_id);
  /// Whether a started instance's OS shut itself down: its init exited (poweroff, halt
  /// or shutdown inside end it; see RenderPowerCommand) while nothing here stopped it.
  /// False for a stopped or unknown instance, and while another call holds the instance
  /// (a snapshot): never waits.
  bool PoweredOff(const std::string& instance_id);
  /// Polls Status until kRunning; kEnvironment after timeout_ms (0: the
  /// config's ssh_ready_timeout_ms) or when the instance stops by itself.
  Result<InstanceStatus> WaitUntilRunning(const std::string& instance_id, int timeout_ms = 0);

  /// After a daemon restart: adopts the instance if its processes survived,
  /// else starts it again (should_run), or makes sure nothing of it runs.
  Result<InstanceStatus> Recover(const std::string& instance_id, bool should_run);

  /// Replaces the instance's ingress rules; applied at once if it runs.
  Result<void> UpdateFirewall(const std::string& instance_id,
                              const std::vector<IngressRule>& rules);
  /// The spot interruption notice IMDS serves ("stop"/"terminate", ISO time);
  /// an empty action withdraws it.
  Result<void> SetInstanceAction(const std::string& instance_id, const std::string& action,
                                 const std::string& time);
  /// The instance's console log (boot messages, user data output), the last
  /// 64 KiB at most.
  Result<std::string> ConsoleOutput(const std::string& instance_id);

  /// Copies the instance's disk to image_dir (an image); running or not.
  Result<void> SnapshotDisk(const std::string& instance_id, const std::string& image_dir);
  /// Deletes an image directory made by SnapshotDisk.
  Result<void> DeleteSnapshot(const std::string& image_dir);

  /// Ids of every instance with a directory under the state directory.
  std::vector<std::string> ListInstances();
  /// Terminates every instance of this runtime and removes its bridge (for
  /// tests and `gpubox local down --purge`); also sweeps leftover namespaces
  /// of the prefix.
  Result<void> TerminateAll();

  const RuntimeConfig& config() const { return config_; }

 private:
  struct Instance;

  InstanceRuntime(RuntimeConfig config, const Env& env);
  Result<std::shared_ptr<Instance>> Find(const std::string& instance_id);
  Result<std::string> AllocateIp();
  Result<void> StartLocked(Instance& instance);
  Result<void> StopLocked(Instance& instance);
  Result<void> StartImds(Instance& instance);
  /// `probe_ssh`: a starting instance whose sshd listens is running from now on.
  InstanceStatus StatusLocked(Instance& instance, bool probe_ssh);
  bool KeeperAlive(const Instance& instance);
  Result<void> SaveRecord(const Instance& instance);

  RuntimeConfig config_;
  Env env_;
  HostNetwork network_;
  InstanceDisk disk_;

  std::mutex mutex_;  ///< guards instances_ and the bridge
  std::map<std::string, std::shared_ptr<Instance>> instances_;
  bool bridge_ready_ = false;
};

}  // namespace gpubox::local
