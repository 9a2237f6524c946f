#pragma once
/// Where the instance runtime keeps its files and how it names host objects.
/// The real daemon uses the defaults; tests use their own prefix, subnet and
/// directory so they never touch the daemon's instances.

#include <string>
#include <vector>

#include "gpubox/util/result.h"

namespace gpubox::local {

struct RuntimeConfig {
  /// Instances live in state_dir/instances/ID (disk, console log, record).
  std::string state_dir = "/var/lib/gpubox/local";
  /// Prefix of every host object: network namespaces "PREFIX-ID", the bridge
  /// "PREFIX-br0", host-side veths "PREFIXvXXXXXXXX". 1 to 5 of [a-z0-9].
  std::string name_prefix = "gbx";
  /// The instances' network; the bridge (the host's side) takes the first address.
  std::string subnet = "10.213.0.0/24";
  /// More host directories hidden from the instances (an empty read-only
  /// tmpfs over each), e.g. the daemon's whole state directory with its
  /// credentials. state_dir is always hidden.
  std::vector<std::string> hidden_dirs;
  /// How long Start waits for sshd to answer (WaitUntilRunning's default).
  int ssh_ready_timeout_ms = 15000;

  std::string BridgeName() const { return name_prefix + "-br0"; }
  std::string NetnsName(const std::string& instance_id) const {
    return name_prefix + "-" + instance_id;
  }
  std::string NetnsPath(const std::string& instance_id) const {
    return "/run/netns/" + NetnsName(instance_id);
  }
  /// At most 15 characters (IFNAMSIZ), stable for an id.
  std::string VethName(const std::string& instance_id) const;
  std::string InstanceDir(const std::string& instance_id) const {
    return state_dir + "/instances/" + instance_id;
  }

  /// kUsage when the prefix, subnet or directory is unusable.
  Result<void> Validate() const;
};

/// kUsage unless the id is 1..64 of [a-z0-9-] (it becomes a path and a name).
Result<void> ValidateInstanceId(const std::string& instance_id);

}  // namespace gpubox::local
