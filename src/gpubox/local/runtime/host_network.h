#pragma once
/// The host side of the instances' network: one bridge per runtime (the host
/// holds the subnet's first address), and per instance a network namespace
/// joined to the bridge by a veth pair (eth0 inside), with 169.254.169.254
/// on its lo for IMDS and no default route. Everything through `ip` and `nft`.

#include <string>
#include <vector>

#include "gpubox/local/runtime/runtime_config.h"
#include "gpubox/sys/process_runner.h"

namespace gpubox::local {

class HostNetwork {
 public:
  /// Both must outlive the HostNetwork.
  HostNetwork(const RuntimeConfig& config, ProcessRunner& runner);

  /// Creates the bridge with the subnet's first address, or leaves it as is.
  Result<void> EnsureBridge();
  /// Deletes the bridge; succeeds when it is already gone.
  Result<void> RemoveBridge();

  /// A fresh namespace for the instance at `ip` (any leftover of the same
  /// name is removed first).
  Result<void> CreateInstance(const std::string& instance_id, const std::string& ip);
  /// Deletes the namespace and the veth pair; succeeds when already gone.
  Result<void> RemoveInstance(const std::string& instance_id);

  /// Loads an nftables ruleset (RenderFirewall) inside the instance's namespace.
  Result<void> ApplyFirewall(const std::string& instance_id, const std::string& ruleset);

  /// Names of the network namespaces carrying this runtime's prefix.
  std::vector<std::string> ListNamespaces();

 private:
  Result<ProcessResult> Ip(const std::vector<std::string>& args, const std::string& batch = "");

  const RuntimeConfig& config_;
  ProcessRunner& runner_;
};

}  // namespace gpubox::local
