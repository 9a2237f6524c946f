#pragma once
/// Which EC2 vCPU Service Quota an instance counts against, per family and
/// market, and how many vCPUs it takes from it.

#include <string_view>

#include "gpubox/catalog/catalog.h"

namespace gpubox {

struct QuotaBucket {
  std::string_view code;  ///< Service Quotas code, e.g. "L-DB2E81BA"
  std::string_view name;  ///< "Running On-Demand G and VT instances"
};

/// The bucket for an instance family ("g4dn", "p5en", "m5", "p6-b200") on a
/// market. Families gpubox does not know fall under the Standard bucket.
QuotaBucket QuotaFor(std::string_view family, Market market);

/// vCPUs the instance counts against its bucket (all of its vCPUs).
inline int QuotaVcpus(const InstanceType& type) { return type.vcpus; }

}  // namespace gpubox
