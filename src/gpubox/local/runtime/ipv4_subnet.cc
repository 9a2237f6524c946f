#include "gpubox/local/runtime/ipv4_subnet.h"

#include <algorithm>

#include "gpubox/util/strings.h"

namespace gpubox::local {

std::optional<uint32_t> ParseIpv4(std::string_view text) {
  auto parts = Split(text, '.');
  if (parts.size() != 4) return std::nullopt;
  uint32_t address = 0;
  for (std::string_view part : parts) {
    if (part.empty() || part.size() > 3) return std::nullopt;
    auto value = ParseInt(part);
    if (!value || *value < 0 || *value > 255) return std::nullopt;
    address = (address << 8) | static_cast<uint32_t>(*value);
  }
  return address;
}

std::string FormatIpv4(uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 255) + "." +
         std::to_string((address >> 8) & 255) + "." + std::to_string(address & 255);
}

Result<Ipv4Subnet> Ipv4Subnet::Parse(std::string_view cidr) {
  size_t slash = cidr.find('/');
  auto address = ParseIpv4(cidr.substr(0, slash));
  std::optional<long long> length;
  if (slash != std::string_view::npos) length = ParseInt(cidr.substr(slash + 1));
  if (!address || !length || *length < 8 || *length > 30) {
    return Fail(ErrorCode::kUsage, "bad subnet '" + std::string(cidr) + "'",
                "use A.B.C.D/N with N from 8 to 30, e.g. 10.213.0.0/24");
  }
  Ipv4Subnet subnet;
  subnet.prefix_length_ = static_cast<int>(*length);
  uint32_t mask = ~uint32_t{0} << (32 - subnet.prefix_length_);
  subnet.network_ = *address & mask;
  return subnet;
}

uint32_t Ipv4Subnet::HostCount() const { return (uint32_t{1} << (32 - prefix_length_)) - 2; }

std::string Ipv4Subnet::Host(uint32_t index) const { return FormatIpv4(network_ + index); }

uint32_t Ipv4Subnet::IndexOf(std::string_view address) const {
  auto parsed = ParseIpv4(address);
  if (!parsed || *parsed <= network_) return 0;
  uint32_t index = *parsed - network_;
  return index <= HostCount() ? index : 0;
}

std::string HostnameForIp(const std::string& address) {
  std::string name = "ip-" + address;
  std::replace(name.begin(), name.end(), '.', '-');
  return name;
}

}  // namespace gpubox::local
