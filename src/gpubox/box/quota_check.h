#pragma once
/// Will the vCPU quota let an instance launch? For a region and an offer: the
/// quota's value, the vCPUs already running under its code, what the offer
/// needs, and — when short — the exact increase to ask for.

#include <map>
#include <string>
#include <utility>

#include "gpubox/catalog/catalog.h"
#include "gpubox/cloud/cloud.h"

namespace gpubox {

struct QuotaVerdict {
  std::string region;
  std::string quota_code;
  std::string quota_name;
  double quota_value = 0;
  int vcpus_in_use = 0;
  int vcpus_needed = 0;
  bool ok = false;
  /// When !ok: the value to request (in use + needed).
  int request_value = 0;

  /// "quota L-417A185B (Running On-Demand P instances) in us-west-2 is 0 vCPUs ..."
  std::string Explain() const;
};

/// Reads quotas and vCPU use from a cloud, once per (region, code).
class QuotaChecker {
 public:
  QuotaChecker(Cloud& cloud, const Catalog& catalog) : cloud_(cloud), catalog_(catalog) {}
  /// The verdict for launching `count` instances of `type` on `market` in `region`.
  Result<QuotaVerdict> Check(const std::string& region, const InstanceType& type, Market market,
                             int count = 1);

 private:
  /// vCPUs of pending and running instances per quota code in a region.
  Result<std::map<std::string, int>> InUse(const std::string& region);

  Cloud& cloud_;
  const Catalog& catalog_;
  std::map<std::pair<std::string, std::string>, double> values_;
  std::map<std::string, std::map<std::string, int>> in_use_;
};

}  // namespace gpubox
