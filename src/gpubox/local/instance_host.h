#pragma once
/// What the EC2 service needs from the machinery that makes instances real
/// (local/runtime: network namespace, sshd, nftables, disk, IMDS). The
/// service decides the state; the host carries it out. Tests use a recording
/// fake; NullInstanceHost keeps no machines at all (API-only local cloud).

#include <cstdint>
#include <string>
#include <vector>

#include "gpubox/aws/model.h"
#include "gpubox/util/result.h"

namespace gpubox::local {

/// Everything a host needs to bring an instance up (or back).
struct LaunchSpec {
  std::string instance_id;
  std::string region;
  std::string zone;
  std::string instance_type;
  std::string image_id;  ///< served by IMDS as ami-id
  std::string key_name;  ///< served by IMDS under public-keys/0
  int vcpus = 0;
  int mem_mib = 0;
  int gpu_count = 0;
  /// The image's snapshot to start the disk from; empty for a built-in image.
  std::string snapshot_image_id;
  int volume_gib = 0;
  std::string authorized_key;  ///< OpenSSH public key line; empty without a key pair
  std::string user_data;       ///< decoded; run once at first boot
  bool imds_tokens_required = false;
  /// The ingress rules of every security group of the instance.
  std::vector<aws::IpPermission> ingress;
};

class InstanceHost {
 public:
  virtual ~InstanceHost() = default;
  /// Whether calls for different instances may run at the same time (from several
  /// threads): the service then launches, starts and stops instances side by side.
  virtual bool Concurrent() const { return false; }
  /// Creates the instance's disk and starts it; returns its private IPv4.
  virtual Result<std::string> Launch(const LaunchSpec& spec) = 0;
  /// Starts a stopped instance on its kept disk; returns its private IPv4.
  virtual Result<std::string> Start(const LaunchSpec& spec) = 0;
  /// Brings back an instance that was running when the daemon last stopped.
  virtual Result<std::string> Adopt(const LaunchSpec& spec) = 0;
  /// Whether a launched or started instance answers (sshd up).
  virtual bool IsReady(const std::string& instance_id) = 0;
  /// Whether a running instance's OS has shut itself down (poweroff, halt or shutdown
  /// inside: its init has exited); the service then stops or terminates it per its
  /// InstanceInitiatedShutdownBehavior. False when unsure (the instance busy elsewhere).
  virtual bool PoweredOff(const std::string& /*instance_id*/) { return false; }
  /// Stops the instance and keeps its disk.
  virtual Result<void> Stop(const std::string& instance_id) = 0;
  /// Stops the instance and deletes its disk.
  virtual Result<void> Terminate(const std::string& instance_id) = 0;
  /// Replaces the instance's firewall with these ingress rules.
  virtual Result<void> UpdateFirewall(const std::string& instance_id,
                                      const std::vector<aws::IpPermission>& ingress) = 0;
  /// Copies the instance's disk as the image's snapshot.
  virtual Result<void> Snapshot(const std::string& instance_id, const std::string& image_id) = 0;
  virtual Result<void> DeleteSnapshot(const std::string& image_id) = 0;
  /// Publishes a spot interruption notice in the instance's IMDS
  /// (spot/instance-action: {"action": "stop"|"terminate", "time": iso8601}).
  virtual Result<void> NoticeSpotInterruption(const std::string& instance_id,
                                              const std::string& action,
                                              const std::string& time) = 0;
};

/// A host without machines: every instance is ready at once, nothing runs.
/// An instance's address depends on its id alone, so a daemon restart
/// (Adopt) gives it back the address it had.
class NullInstanceHost : public InstanceHost {
 public:
  bool Concurrent() const override { return true; }
  Result<std::string> Launch(const LaunchSpec& spec) override { return Address(spec); }
  Result<std::string> Start(const LaunchSpec& spec) override { return Address(spec); }
  Result<std::string> Adopt(const LaunchSpec& spec) override { return Address(spec); }
  bool IsReady(const std::string&) override { return true; }
  Result<void> Stop(const std::string&) override { return {}; }
  Result<void> Terminate(const std::string&) override { return {}; }
  Result<void> UpdateFirewall(const std::string&, const std::vector<aws::IpPermission>&) override {
    return {};
  }
  Result<void> Snapshot(const std::string&, const std::string&) override { return {}; }
  Result<void> DeleteSnapshot(const std::string&) override { return {}; }
  Result<void> NoticeSpotInterruption(const std::string&, const std::string&,
                                      const std::string&) override {
    return {};
  }

 private:
  static std::string Address(const LaunchSpec& spec) {
    uint32_t hash = 2166136261u;
    for (unsigned char c : spec.instance_id) hash = (hash ^ c) * 16777619u;
    return "10.77." + std::to_string((hash >> 8) % 256) + "." + std::to_string(2 + hash % 250);
  }
};

}  // namespace gpubox::local
