#include "gpubox/local/runtime/firewall.h"

#include <optional>

#include "gpubox/local/runtime/ipv4_subnet.h"
#include "gpubox/util/strings.h"

namespace gpubox::local {
namespace {

/// "ip saddr { ... }" or "ip6 saddr { ... }" for the CIDRs of one family.
Result<std::string> SourceMatch(const std::vector<std::string>& cidrs, bool ipv6) {
  std::vector<std::string> picked;
  for (const std::string& cidr : cidrs) {
    bool is_v6 = cidr.find(':') != std::string::npos;
    if (is_v6 != ipv6) continue;
    for (char c : cidr) {
      bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                c == '.' || c == ':' || c == '/';
      if (!ok) return Fail(ErrorCode::kUsage, "bad CIDR '" + cidr + "'");
    }
    if (!is_v6 && !ParseIpv4(cidr.substr(0, cidr.find('/')))) {
      return Fail(ErrorCode::kUsage, "bad CIDR '" + cidr + "'");
    }
    picked.push_back(cidr);
  }
  if (picked.empty()) return std::string();
  return std::string(ipv6 ? "ip6" : "ip") + " saddr { " + Join(picked, ", ") + " }";
}

/// The protocol part of a rule ("tcp dport 22", "meta l4proto icmp", "" for
/// all), nullopt when the rule says nothing for this family, or an error for
/// what a security group cannot say.
Result<std::optional<std::string>> ProtocolMatch(const IngressRule& rule, bool ipv6) {
  std::string protocol = ToLower(rule.protocol);
  if (protocol == "6") protocol = "tcp";
  if (protocol == "17") protocol = "udp";
  if (protocol == "1") protocol = "icmp";
  if (protocol == "58") protocol = "icmpv6";
  if (protocol == "-1" || protocol == "all") return std::string();
  if (protocol == "tcp" || protocol == "udp") {
    int from = rule.from_port, to = rule.to_port;
    if (from == -1 && to == -1) return protocol + " dport 0-65535";
    if (from < 0 || to < from || to > 65535) {
      return Fail(ErrorCode::kUsage,
                  "bad port range " + std::to_string(from) + "-" + std::to_string(to));
    }
    if (from == to) return protocol + " dport " + std::to_string(from);
    return protocol + " dport " + std::to_string(from) + "-" + std::to_string(to);
  }
  if (protocol == "icmp" || protocol == "icmpv6") {
    std::string family = ipv6 ? "icmpv6" : "icmp";
    if ((protocol == "icmpv6") != ipv6) return std::nullopt;
    std::string match = "meta l4proto " + family;
    if (rule.from_port >= 0) match += " " + family + " type " + std::to_string(rule.from_port);
    if (rule.from_port >= 0 && rule.to_port >= 0) {
      match += " " + family + " code " + std::to_string(rule.to_port);
    }
    return match;
  }
  auto number = ParseInt(protocol);
  if (number && *number >= 0 && *number <= 255) {
    return "meta l4proto " + std::to_string(*number);
  }
  return Fail(ErrorCode::kUsage, "unknown protocol '" + rule.protocol + "'");
}

}  // namespace

Result<std::string> RenderFirewall(const std::vector<IngressRule>& rules) {
  std::string text =
      "flush ruleset\n"
      "table inet gpubox {\n"
      "  chain input {\n"
      "    type filter hook input priority filter; policy drop;\n"
      "    ct state established,related accept\n"
      "    ct state invalid drop\n"
      "    iif \"lo\" accept\n"
      "    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept\n";
  for (const IngressRule& rule : rules) {
    for (bool ipv6 : {false, true}) {
      std::string source = GPUBOX_TRY(SourceMatch(rule.cidrs, ipv6));
      if (source.empty()) continue;
      std::optional<std::string> protocol = GPUBOX_TRY(ProtocolMatch(rule, ipv6));
      if (!protocol) continue;
      text += "    " + source + (protocol->empty() ? "" : " " + *protocol) + " accept\n";
    }
  }
  text +=
      "  }\n"
      "}\n";
  return text;
}

}  // namespace gpubox::local
