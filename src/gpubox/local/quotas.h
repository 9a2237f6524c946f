#pragma once
/// The local account's EC2 vCPU quotas per Service Quotas code and region.
/// Defaults are a new account's small values: G and VT 64 vCPUs everywhere
/// (g4dn.xlarge up to g4dn.12xlarge), P on-demand 0 in us-east-1 and 8
/// elsewhere (one p3.2xlarge), P5 and the special families 0.
/// Thread-compatible: the caller serialises access.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpubox/catalog/quota.h"

namespace gpubox::local {

class Quotas {
 public:
  Quotas();

  /// Every EC2 vCPU bucket gpubox knows (code and name).
  const std::vector<QuotaBucket>& Buckets() const { return buckets_; }
  std::optional<QuotaBucket> FindBucket(std::string_view code) const;

  /// The value in vCPUs; nullopt for an unknown code.
  std::optional<double> Value(std::string_view code, std::string_view region) const;
  /// Sets a value (config file, approved increase).
  void Set(std::string_view code, std::string_view region, double value);
  /// Values that differ from the defaults, as "code/region" -> value.
  const std::map<std::string, double>& Overrides() const { return overrides_; }

 private:
  std::vector<QuotaBucket> buckets_;
  std::map<std::string, double> overrides_;
};

}  // namespace gpubox::local
