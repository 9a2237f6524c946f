#pragma once
/// Interface settings over rtnetlink, in the calling thread's network namespace (run it in a
/// thread that entered the instance's: RunInNetns). What `ip link set NAME up` and
/// `ip addr add ADDRESS/PREFIX dev NAME` do, without starting `ip` for each instance.

#include <string>

#include "gpubox/util/result.h"

namespace gpubox::local {

/// The interface `name` up; kEnvironment (naming it and the kernel's reason) if it cannot be.
Result<void> SetLinkUp(const std::string& name);
/// Adds the IPv4 `address`/`prefix_length` to the interface `name` (already there: fine).
Result<void> AddIpv4Address(const std::string& name, const std::string& address, int prefix_length);

}  // namespace gpubox::local
