#pragma once
/// What the local cloud sells: its regions and zones, and per region the
/// instance types of the project's catalog with their on-demand price and a
/// spot price that moves every hour, deterministically (a hash of type, zone
/// and hour around the catalog's spot estimate), so tests can predict it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gpubox/catalog/catalog.h"

namespace gpubox::local {

/// The regions the local cloud runs; each has zones "a", "b" and "c".
const std::vector<std::string>& LocalRegions();
bool IsLocalRegion(std::string_view region);
/// "us-east-1a", "us-east-1b", "us-east-1c".
std::vector<std::string> ZonesOf(std::string_view region);
/// The region of a zone name ("us-east-1b" -> "us-east-1"); empty when unknown.
std::string RegionOfZone(std::string_view zone);

struct RegionalOffer {
  const InstanceType* type = nullptr;
  double on_demand_usd_hr = 0;
  std::optional<double> spot_base_usd_hr;  ///< the catalog's estimate; none: no spot
};

class OfferBook {
 public:
  explicit OfferBook(const Catalog& catalog);

  /// The types offered in a region, by type name.
  std::vector<const RegionalOffer*> OffersIn(std::string_view region) const;
  const RegionalOffer* Find(std::string_view region, std::string_view type) const;
  /// Any region's description of a type (for DescribeInstanceTypes).
  const InstanceType* FindType(std::string_view type) const;

  /// The spot price of a type in a zone during the hour that contains
  /// `time_us`; nullopt when the type has no spot market there.
  std::optional<double> SpotPrice(std::string_view type, std::string_view zone,
                                  int64_t time_us) const;

 private:
  static std::string Key(std::string_view region, std::string_view type);
  const Catalog& catalog_;
  std::unordered_map<std::string, RegionalOffer> offers_;  ///< by "region/type"
};

/// Text of a price as EC2 writes it ("0.189400").
std::string PriceText(double usd_hr);

}  // namespace gpubox::local
