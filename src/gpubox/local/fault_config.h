#pragma once
/// Faults the local cloud injects on demand, and its tunable limits, as kept
/// in the state directory's config.json and changed by `gpubox local fault`:
///
///   {"throttle_rate": 0.2,            // fraction of API calls answered 503 RequestLimitExceeded
///    "error_rate": 0.1,               // fraction answered 500 InternalError: half of them
///                                     // before the call acts, half after it took effect
///    "capacity_error_rate": 0.2,      // fraction of RunInstances and StartInstances answered
///                                     // InsufficientInstanceCapacity
///    "latency_ms": 50,                // added to every API call
///    "capacity_errors": [{"type": "p3.2xlarge", "zone": "us-west-2a"}],  // zone "*": all
///    "spot_notice_seconds": 120,      // spot interruption notice period
///    "spot_capacity_withdrawn": [{"type": "g4dn.xlarge", "zone": "us-east-1a"}],
///                                     // spot pools without capacity: their running spot
///                                     // instances get a notice and are interrupted, spot
///                                     // launches and starts there fail; when a pool gets its
///                                     // capacity back, persistent requests' instances stopped
///                                     // by an interruption are started again
///    "capacity": {"g4dn.xlarge": 4},  // instances per type and zone (default 16 / GPUs)
///    "quotas": {"L-417A185B/us-east-1": 8}}  // vCPU quota values

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gpubox/util/result.h"

namespace gpubox::local {

struct CapacityFault {
  std::string type;  ///< "*" for every type
  std::string zone;  ///< "*" for every zone
};

struct FaultConfig {
  double throttle_rate = 0;
  double error_rate = 0;
  double capacity_error_rate = 0;
  int latency_ms = 0;
  std::vector<CapacityFault> capacity_errors;
  int spot_notice_seconds = 120;
  std::vector<CapacityFault> spot_capacity_withdrawn;
  std::map<std::string, int> capacity;
  std::map<std::string, double> quotas;

  /// Whether a capacity error is injected for the type in the zone.
  bool CapacityBlocked(std::string_view type, std::string_view zone) const;
  /// Whether the spot pool of the type in the zone has its capacity withdrawn.
  bool SpotCapacityWithdrawn(std::string_view type, std::string_view zone) const;
};

/// Parses config.json; unknown keys are errors (kUsage) so typos show.
Result<FaultConfig> ParseFaultConfig(std::string_view json_text);
std::string FaultConfigJson(const FaultConfig& config);

}  // namespace gpubox::local
