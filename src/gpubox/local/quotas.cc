#include "gpubox/local/quotas.h"

#include <algorithm>

namespace gpubox::local {
namespace {

/// One family per bucket is enough to name every bucket QuotaFor knows.
constexpr std::string_view kRepresentativeFamilies[] = {"m5",   "g4dn", "p3", "p5", "dl1",
                                                        "inf1", "trn1", "f1", "x1"};

double DefaultValue(const QuotaBucket& bucket, std::string_view region) {
  std::string_view code = bucket.code;
  if (code == QuotaFor("m5", Market::kOnDemand).code) return 32;
  if (code == QuotaFor("m5", Market::kSpot).code) return 32;
  if (code == QuotaFor("g4dn", Market::kOnDemand).code) return 64;
  if (code == QuotaFor("g4dn", Market::kSpot).code) return 64;
  if (code == QuotaFor("p3", Market::kOnDemand).code) return region == "us-east-1" ? 0 : 8;
  if (code == QuotaFor("p3", Market::kSpot).code) return region == "us-east-1" ? 0 : 8;
  return 0;
}

std::string Key(std::string_view code, std::string_view region) {
  return std::string(code) + "/" + std::string(region);
}

}  // namespace

Quotas::Quotas() {
  for (std::string_view family : kRepresentativeFamilies) {
    for (Market market : {Market::kOnDemand, Market::kSpot}) {
      QuotaBucket bucket = QuotaFor(family, market);
      bool known = std::any_of(buckets_.begin(), buckets_.end(),
                               [&](const QuotaBucket& b) { return b.code == bucket.code; });
      if (!known) buckets_.push_back(bucket);
    }
  }
}

std::optional<QuotaBucket> Quotas::FindBucket(std::string_view code) const {
  for (const QuotaBucket& bucket : buckets_) {
    if (bucket.code == code) return bucket;
  }
  return std::nullopt;
}

std::optional<double> Quotas::Value(std::string_view code, std::string_view region) const {
  auto bucket = FindBucket(code);
  if (!bucket) return std::nullopt;
  auto found = overrides_.find(Key(code, region));
  if (found != overrides_.end()) return found->second;
  return DefaultValue(*bucket, region);
}

void Quotas::Set(std::string_view code, std::string_view region, double value) {
  overrides_[Key(code, region)] = value;
}

}  // namespace gpubox::local
