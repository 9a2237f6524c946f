#include "gpubox/catalog/disk_price.h"

#include <span>

namespace gpubox {
namespace {

struct RegionDiskPrice {
  std::string_view region;
  double usd_per_gib_month;
};

/// EBS gp3 storage prices (aws.amazon.com/ebs/pricing).
constexpr RegionDiskPrice kGp3Prices[] = {
    {"us-east-1", 0.08},       {"us-east-2", 0.08},       {"us-west-2", 0.08},
    {"us-west-1", 0.096},      {"ca-central-1", 0.088},   {"eu-west-1", 0.088},
    {"eu-west-2", 0.0928},     {"eu-central-1", 0.0952},  {"ap-south-1", 0.0912},
    {"ap-northeast-1", 0.096}, {"ap-southeast-1", 0.096}, {"ap-southeast-2", 0.096},
    {"sa-east-1", 0.152},
};

/// EBS snapshot prices, standard tier (aws.amazon.com/ebs/pricing).
constexpr RegionDiskPrice kSnapshotPrices[] = {
    {"us-east-1", 0.05},      {"us-east-2", 0.05},      {"us-west-2", 0.05},
    {"us-west-1", 0.055},     {"ca-central-1", 0.055},  {"eu-west-1", 0.05},
    {"eu-west-2", 0.053},     {"eu-central-1", 0.054},  {"ap-south-1", 0.05},
    {"ap-northeast-1", 0.05}, {"ap-southeast-1", 0.05}, {"ap-southeast-2", 0.055},
    {"sa-east-1", 0.068},
};

double PriceIn(std::span<const RegionDiskPrice> prices, std::string_view region) {
  for (const RegionDiskPrice& price : prices) {
    if (price.region == region) return price.usd_per_gib_month;
  }
  return prices[0].usd_per_gib_month;
}

}  // namespace

double SnapshotUsdPerGibMonth(std::string_view region) { return PriceIn(kSnapshotPrices, region); }

double DiskUsdPerGibMonth(std::string_view region) { return PriceIn(kGp3Prices, region); }

}  // namespace gpubox
