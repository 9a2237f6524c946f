#pragma once
/// The GPU offer catalog: instance types and their prices per region and market.
/// Parsed from the project's data file (data/catalog.tsv, embedded in the binary
/// at build time); offers are kept sorted by the optimizer's ranking so that a
/// query is a single filtered scan.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpubox/util/result.h"

namespace gpubox {

enum class Generation { kCurrent, kPrevious };
enum class Market : uint8_t { kOnDemand, kSpot };

const char* MarketName(Market market);  ///< "on-demand" or "spot"
/// The market of a MarketName(); nullopt for any other text.
std::optional<Market> ParseMarket(std::string_view name);

struct InstanceType {
  std::string name;        ///< "g4dn.xlarge"
  std::string family;      ///< "g4dn"
  std::string gpu_vendor;  ///< "NVIDIA"
  std::string gpu_model;   ///< "T4"
  int gpu_count = 0;       ///< 0 for fractional GPUs (g6f, gr6f)
  int gpu_mem_mib = 0;     ///< per GPU (the slice, for fractional GPUs)
  int vcpus = 0;
  int mem_mib = 0;
  std::string arch;  ///< "x86_64" or "arm64"
  Generation generation = Generation::kCurrent;
  std::string status;      ///< previous generation: why it is retired
  std::string suggestion;  ///< previous generation: a current type to use instead

  double gpu_mem_gib() const { return gpu_mem_mib / 1024.0; }
  /// "1x T4", "8x V100"; "part L4" for a fractional GPU.
  std::string GpuText() const {
    return gpu_count == 0 ? "part " + gpu_model : std::to_string(gpu_count) + "x " + gpu_model;
  }
  double mem_gib() const { return mem_mib / 1024.0; }
};

/// One rentable thing: a type in a region on a market at a price.
struct Offer {
  uint32_t type_idx = 0;
  uint32_t region_idx = 0;
  Market market = Market::kOnDemand;
  double price_usd_hr = 0;
  uint8_t interruption_idx = 0;  ///< into Catalog::interruptions(); 0 is "unknown"
};

class Catalog {
 public:
  /// Parses the catalog format of data/catalog.tsv. Errors name the line.
  static Result<Catalog> Parse(std::string_view text);
  /// The catalog built into the binary; parsed once, on first use.
  static const Catalog& Builtin();

  const std::vector<InstanceType>& types() const { return types_; }
  const std::vector<std::string>& regions() const { return regions_; }
  /// All offers, sorted by price, then type name, region name, market.
  const std::vector<Offer>& offers() const { return offers_; }

  const InstanceType& type(const Offer& offer) const { return types_[offer.type_idx]; }
  const std::string& region(const Offer& offer) const { return regions_[offer.region_idx]; }
  /// The spot interruption bucket ("<5%"); empty when unknown or on-demand.
  const std::string& interruption(const Offer& offer) const {
    return interruptions_[offer.interruption_idx];
  }

  std::optional<uint32_t> FindType(std::string_view name) const;
  std::optional<uint32_t> FindRegion(std::string_view name) const;
  /// Distinct GPU models, current generation first, each once, in catalog order.
  std::vector<std::string> GpuModels() const;

  /// Adds an offer (used to build catalogs in tests and benchmarks); call
  /// SortOffers() after the last one.
  void AddOffer(const Offer& offer) { offers_.push_back(offer); }
  uint32_t AddRegion(std::string name);
  uint8_t AddInterruption(std::string_view bucket);
  void SortOffers();

 private:
  std::vector<InstanceType> types_;
  std::vector<std::string> regions_;
  std::vector<Offer> offers_;
  std::vector<std::string> interruptions_{""};
};

}  // namespace gpubox
