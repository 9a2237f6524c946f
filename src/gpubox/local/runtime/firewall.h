#pragma once
/// An instance's firewall: its security groups' ingress rules as an nftables
/// ruleset loaded inside the instance's network namespace. What no rule
/// admits is dropped; loopback, replies and egress are always allowed.

#include <string>
#include <vector>

#include "gpubox/local/runtime/instance_spec.h"
#include "gpubox/util/result.h"

namespace gpubox::local {

/// The whole ruleset for `nft -f -`: it flushes the namespace's ruleset and
/// loads the new one in one transaction, so it can be re-applied at any time.
/// kUsage for a protocol, port range or CIDR it cannot express.
Result<std::string> RenderFirewall(const std::vector<IngressRule>& rules);

}  // namespace gpubox::local
