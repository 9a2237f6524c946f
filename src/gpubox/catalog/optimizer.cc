#include "gpubox/catalog/optimizer.h"

namespace gpubox {
namespace {

std::vector<bool> RegionMask(const Catalog& catalog, const Requirements& requirements) {
  std::vector<bool> allowed(catalog.regions().size(), requirements.regions.empty());
  for (const std::string& region : requirements.regions) {
    if (auto region_idx = catalog.FindRegion(region)) allowed[*region_idx] = true;
  }
  return allowed;
}

bool MarketAllowed(Market market, const Requirements& requirements) {
  return market == Market::kSpot ? requirements.spot : requirements.on_demand;
}

}  // namespace

std::vector<const Offer*> FindOffers(const Catalog& catalog, const Requirements& requirements,
                                     size_t limit) {
  std::vector<bool> type_ok(catalog.types().size());
  for (size_t type_idx = 0; type_idx < type_ok.size(); ++type_idx) {
    type_ok[type_idx] = TypeMatches(catalog.types()[type_idx], requirements);
  }
  std::vector<bool> region_ok = RegionMask(catalog, requirements);
  std::vector<const Offer*> found;
  for (const Offer& offer : catalog.offers()) {
    if (requirements.max_price && offer.price_usd_hr > *requirements.max_price) break;
    if (!type_ok[offer.type_idx] || !region_ok[offer.region_idx] ||
        !MarketAllowed(offer.market, requirements)) {
      continue;
    }
    found.push_back(&offer);
    if (limit != 0 && found.size() == limit) break;
  }
  return found;
}

const Offer* CheapestOfType(const Catalog& catalog, std::string_view type_name,
                            const Requirements& requirements) {
  auto type_idx = catalog.FindType(type_name);
  if (!type_idx) return nullptr;
  std::vector<bool> region_ok = RegionMask(catalog, requirements);
  const Offer* anywhere = nullptr;
  for (const Offer& offer : catalog.offers()) {
    if (offer.type_idx != *type_idx) continue;
    if (region_ok[offer.region_idx] && MarketAllowed(offer.market, requirements)) {
      return &offer;
    }
    if (!anywhere) anywhere = &offer;
  }
  return anywhere;
}

}  // namespace gpubox
