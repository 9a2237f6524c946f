#include "gpubox/catalog/catalog.h"

#include <algorithm>

#include "gpubox/util/strings.h"

namespace gpubox {

extern const char kBuiltinCatalogText[];  // generated from data/catalog.tsv

const char* MarketName(Market market) { return market == Market::kSpot ? "spot" : "on-demand"; }

std::optional<Market> ParseMarket(std::string_view name) {
  if (name == "spot") return Market::kSpot;
  if (name == "on-demand") return Market::kOnDemand;
  return std::nullopt;
}

namespace {

std::string_view Dash(std::string_view field) { return field == "-" ? "" : field; }

Result<int> Int(std::string_view field, size_t line_no) {
  auto value = ParseInt(field);
  if (!value || *value < 0) {
    return Fail(ErrorCode::kInternal, "catalog line " + std::to_string(line_no) + ": bad number '" +
                                          std::string(field) + "'");
  }
  return static_cast<int>(*value);
}

}  // namespace

uint32_t Catalog::AddRegion(std::string name) {
  if (auto found = FindRegion(name)) return *found;
  regions_.push_back(std::move(name));
  return static_cast<uint32_t>(regions_.size() - 1);
}

uint8_t Catalog::AddInterruption(std::string_view bucket) {
  auto found = std::find(interruptions_.begin(), interruptions_.end(), bucket);
  if (found != interruptions_.end()) {
    return static_cast<uint8_t>(found - interruptions_.begin());
  }
  interruptions_.emplace_back(bucket);
  return static_cast<uint8_t>(interruptions_.size() - 1);
}

std::optional<uint32_t> Catalog::FindType(std::string_view name) const {
  for (uint32_t type_idx = 0; type_idx < types_.size(); ++type_idx) {
    if (types_[type_idx].name == name) return type_idx;
  }
  return std::nullopt;
}

std::optional<uint32_t> Catalog::FindRegion(std::string_view name) const {
  for (uint32_t region_idx = 0; region_idx < regions_.size(); ++region_idx) {
    if (regions_[region_idx] == name) return region_idx;
  }
  return std::nullopt;
}

std::vector<std::string> Catalog::GpuModels() const {
  std::vector<std::string> models;
  for (Generation generation : {Generation::kCurrent, Generation::kPrevious}) {
    for (const InstanceType& type : types_) {
      if (type.generation != generation) continue;
      if (std::find(models.begin(), models.end(), type.gpu_model) == models.end()) {
        models.push_back(type.gpu_model);
      }
    }
  }
  return models;
}

void Catalog::SortOffers() {
  std::sort(offers_.begin(), offers_.end(), [this](const Offer& a, const Offer& b) {
    if (a.price_usd_hr != b.price_usd_hr) return a.price_usd_hr < b.price_usd_hr;
    if (a.type_idx != b.type_idx) return types_[a.type_idx].name < types_[b.type_idx].name;
    if (a.region_idx != b.region_idx) {
      return regions_[a.region_idx] < regions_[b.region_idx];
    }
    return a.market < b.market;
  });
}

Result<Catalog> Catalog::Parse(std::string_view text) {
  Catalog catalog;
  size_t line_no = 0;
  for (std::string_view line : Split(text, '\n')) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string_view> f = Split(line, '\t');
    auto bad = [&](const char* what) {
      return Fail(ErrorCode::kInternal, "catalog line " + std::to_string(line_no) + ": " + what);
    };
    if (f[0] == "T") {
      if (f.size() != 11) return bad("a T line has 11 fields");
      InstanceType type;
      type.name = f[1];
      type.family = f[2];
      type.gpu_vendor = f[3];
      type.gpu_model = f[4];
      type.gpu_count = GPUBOX_TRY(Int(f[5], line_no));
      type.gpu_mem_mib = GPUBOX_TRY(Int(f[6], line_no));
      type.vcpus = GPUBOX_TRY(Int(f[7], line_no));
      type.mem_mib = GPUBOX_TRY(Int(f[8], line_no));
      type.arch = f[9];
      if (f[10] != "current" && f[10] != "previous") return bad("generation");
      type.generation = f[10] == "previous" ? Generation::kPrevious : Generation::kCurrent;
      catalog.types_.push_back(std::move(type));
    } else if (f[0] == "N") {
      if (f.size() != 4) return bad("an N line has 4 fields");
      auto type_idx = catalog.FindType(f[1]);
      if (!type_idx) return bad("N line for an unknown type");
      catalog.types_[*type_idx].status = f[2];
      catalog.types_[*type_idx].suggestion = f[3];
    } else if (f[0] == "P") {
      if (f.size() != 6) return bad("a P line has 6 fields");
      auto type_idx = catalog.FindType(f[1]);
      if (!type_idx) return bad("P line for an unknown type");
      auto on_demand = ParseDouble(f[3]);
      if (!on_demand || *on_demand <= 0) return bad("bad on-demand price");
      Offer offer;
      offer.type_idx = *type_idx;
      offer.region_idx = catalog.AddRegion(std::string(f[2]));
      offer.price_usd_hr = *on_demand;
      catalog.offers_.push_back(offer);
      if (f[4] != "-") {
        auto spot = ParseDouble(f[4]);
        if (!spot || *spot <= 0) return bad("bad spot price");
        offer.market = Market::kSpot;
        offer.price_usd_hr = *spot;
        offer.interruption_idx = catalog.AddInterruption(Dash(f[5]));
        catalog.offers_.push_back(offer);
      }
    } else {
      return bad("unknown line kind");
    }
  }
  catalog.SortOffers();
  return catalog;
}

const Catalog& Catalog::Builtin() {
  static const Catalog catalog = [] {
    auto parsed = Parse(kBuiltinCatalogText);
    if (!parsed) std::abort();  // the build checks the data file (catalog_test)
    return std::move(*parsed);
  }();
  return catalog;
}

}  // namespace gpubox
