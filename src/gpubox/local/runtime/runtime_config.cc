#include "gpubox/local/runtime/runtime_config.h"

#include <cstdio>
#include <functional>

#include "gpubox/local/runtime/instance_spec.h"
#include "gpubox/local/runtime/ipv4_subnet.h"

namespace gpubox::local {
namespace {

bool IsNameChar(char c, bool allow_dash) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (allow_dash && c == '-');
}

}  // namespace

const char* InstanceStateName(InstanceState state) {
  switch (state) {
    case InstanceState::kStopped:
      return "stopped";
    case InstanceState::kStarting:
      return "starting";
    case InstanceState::kRunning:
      return "running";
  }
  return "stopped";
}

std::string RuntimeConfig::VethName(const std::string& instance_id) const {
  // FNV-1a: stable across processes and builds, unlike std::hash.
  uint32_t hash = 2166136261u;
  for (unsigned char c : instance_id) hash = (hash ^ c) * 16777619u;
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", hash);
  return name_prefix + "v" + hex;
}

Result<void> RuntimeConfig::Validate() const {
  bool prefix_ok = !name_prefix.empty() && name_prefix.size() <= 5;
  for (char c : name_prefix) prefix_ok = prefix_ok && IsNameChar(c, false);
  if (!prefix_ok) {
    return Fail(ErrorCode::kUsage, "bad name prefix '" + name_prefix + "'",
                "use 1 to 5 lower-case letters or digits");
  }
  if (state_dir.size() < 2 || state_dir[0] != '/') {
    return Fail(ErrorCode::kUsage, "the state directory must be an absolute path");
  }
  GPUBOX_TRY(Ipv4Subnet::Parse(subnet));
  return {};
}

Result<void> ValidateInstanceId(const std::string& instance_id) {
  bool ok = !instance_id.empty() && instance_id.size() <= 64 && instance_id[0] != '-';
  for (char c : instance_id) ok = ok && IsNameChar(c, true);
  if (!ok) return Fail(ErrorCode::kUsage, "bad instance id '" + instance_id + "'");
  return {};
}

}  // namespace gpubox::local
