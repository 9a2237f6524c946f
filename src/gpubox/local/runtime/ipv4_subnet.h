#pragma once
/// An IPv4 subnet such as 10.213.0.0/24 and the host addresses in it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gpubox/util/result.h"

namespace gpubox::local {

std::optional<uint32_t> ParseIpv4(std::string_view text);
std::string FormatIpv4(uint32_t address);

class Ipv4Subnet {
 public:
  /// "A.B.C.D/N" with 8 <= N <= 30; kUsage otherwise.
  static Result<Ipv4Subnet> Parse(std::string_view cidr);

  int prefix_length() const { return prefix_length_; }
  /// Number of usable host addresses (network and broadcast excluded).
  uint32_t HostCount() const;
  /// The index-th host address, 1-based: Host(1) is the bridge's. Requires
  /// 1 <= index <= HostCount().
  std::string Host(uint32_t index) const;
  /// 0 when the address is not a host address of this subnet.
  uint32_t IndexOf(std::string_view address) const;

 private:
  uint32_t network_ = 0;
  int prefix_length_ = 0;
};

/// "ip-10-213-0-5" for "10.213.0.5" (EC2's private DNS host name).
std::string HostnameForIp(const std::string& address);

}  // namespace gpubox::local
