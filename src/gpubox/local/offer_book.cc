#include "gpubox/local/offer_book.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace gpubox::local {
namespace {

constexpr int64_t kMicrosPerHour = 3600LL * 1000 * 1000;
/// Spot prices move within this fraction either side of the catalog's estimate.
constexpr double kSpotSwing = 0.2;

uint64_t Fnv1a(std::string_view text, uint64_t hash = 1469598103934665603ULL) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

}  // namespace

const std::vector<std::string>& LocalRegions() {
  static const std::vector<std::string> regions = {"us-east-1", "us-west-2", "eu-west-1"};
  return regions;
}

bool IsLocalRegion(std::string_view region) {
  const auto& regions = LocalRegions();
  return std::find(regions.begin(), regions.end(), region) != regions.end();
}

std::vector<std::string> ZonesOf(std::string_view region) {
  std::string name(region);
  return {name + "a", name + "b", name + "c"};
}

std::string RegionOfZone(std::string_view zone) {
  if (zone.size() < 2) return "";
  std::string_view region = zone.substr(0, zone.size() - 1);
  char letter = zone.back();
  if (letter < 'a' || letter > 'c' || !IsLocalRegion(region)) return "";
  return std::string(region);
}

std::string PriceText(double usd_hr) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6f", usd_hr);
  return text;
}

std::string OfferBook::Key(std::string_view region, std::string_view type) {
  std::string key(region);
  key += '/';
  key += type;
  return key;
}

OfferBook::OfferBook(const Catalog& catalog) : catalog_(catalog) {
  for (const Offer& offer : catalog.offers()) {
    const std::string& region = catalog.region(offer);
    if (!IsLocalRegion(region)) continue;
    const InstanceType& type = catalog.type(offer);
    if (type.generation == Generation::kPrevious) continue;  // retired: not launchable
    RegionalOffer& entry = offers_[Key(region, type.name)];
    entry.type = &type;
    if (offer.market == Market::kOnDemand) {
      entry.on_demand_usd_hr = offer.price_usd_hr;
    } else {
      entry.spot_base_usd_hr = offer.price_usd_hr;
    }
  }
  // A type only listed on spot still needs an on-demand price to cap the spot one.
  for (auto& [key, entry] : offers_) {
    if (entry.on_demand_usd_hr == 0 && entry.spot_base_usd_hr) {
      entry.on_demand_usd_hr = *entry.spot_base_usd_hr * 3;
    }
  }
}

std::vector<const RegionalOffer*> OfferBook::OffersIn(std::string_view region) const {
  std::vector<const RegionalOffer*> found;
  std::string prefix = Key(region, "");
  for (const auto& [key, entry] : offers_) {
    if (key.starts_with(prefix)) found.push_back(&entry);
  }
  std::sort(found.begin(), found.end(), [](const RegionalOffer* a, const RegionalOffer* b) {
    return a->type->name < b->type->name;
  });
  return found;
}

const RegionalOffer* OfferBook::Find(std::string_view region, std::string_view type) const {
  auto found = offers_.find(Key(region, type));
  return found == offers_.end() ? nullptr : &found->second;
}

const InstanceType* OfferBook::FindType(std::string_view type) const {
  auto index = catalog_.FindType(type);
  if (!index) return nullptr;
  return &catalog_.types()[*index];
}

std::optional<double> OfferBook::SpotPrice(std::string_view type, std::string_view zone,
                                           int64_t time_us) const {
  const RegionalOffer* offer = Find(RegionOfZone(zone), type);
  if (offer == nullptr || !offer->spot_base_usd_hr) return std::nullopt;
  int64_t hour = time_us / kMicrosPerHour;
  std::string seed = std::string(type) + "|" + std::string(zone) + "|" + std::to_string(hour);
  double fraction = static_cast<double>(Fnv1a(seed) % 10007) / 10006.0;  // [0, 1]
  double price = *offer->spot_base_usd_hr * (1 - kSpotSwing + 2 * kSpotSwing * fraction);
  price = std::min(price, offer->on_demand_usd_hr);
  return std::round(price * 1e4) / 1e4;
}

}  // namespace gpubox::local
