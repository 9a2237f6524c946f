// The optimizer's time per query, over the built-in catalog and over a catalog
// scaled up to 100,000 offers (the built-in types priced in many made-up regions).

#include <benchmark/benchmark.h>

#include "gpubox/catalog/optimizer.h"

namespace gpubox {

extern const char kBuiltinCatalogText[];  // generated from data/catalog.tsv

namespace {

Catalog ScaledCatalog(size_t target_offers) {
  Catalog catalog = *Catalog::Parse("");
  const Catalog& builtin = Catalog::Builtin();
  // Copy the types by re-parsing is overkill; build offers over the builtin's types.
  catalog = builtin;
  uint32_t scale = 0;
  while (catalog.offers().size() < target_offers) {
    ++scale;
    for (const Offer& offer : builtin.offers()) {
      Offer copy = offer;
      copy.region_idx = catalog.AddRegion(builtin.region(offer) + "-x" + std::to_string(scale));
      copy.price_usd_hr = offer.price_usd_hr * (1.0 + 0.0001 * scale);
      catalog.AddOffer(copy);
      if (catalog.offers().size() == target_offers) break;
    }
  }
  catalog.SortOffers();
  return catalog;
}

void RunQuery(benchmark::State& state, const Catalog& catalog, const Requirements& requirements,
              size_t limit) {
  size_t found = 0;
  for (auto _ : state) {
    auto offers = FindOffers(catalog, requirements, limit);
    found = offers.size();
    benchmark::DoNotOptimize(offers.data());
  }
  state.counters["offers"] = static_cast<double>(catalog.offers().size());
  state.counters["found"] = static_cast<double>(found);
}

const Catalog& Scaled() {
  static const Catalog catalog = ScaledCatalog(100000);
  return catalog;
}

void BM_BuiltinAnyLimit20(benchmark::State& state) {
  RunQuery(state, Catalog::Builtin(), Requirements{}, 20);
}
BENCHMARK(BM_BuiltinAnyLimit20);

void BM_BuiltinV100AllRows(benchmark::State& state) {
  Requirements requirements;
  requirements.gpu.model = "V100";
  RunQuery(state, Catalog::Builtin(), requirements, 0);
}
BENCHMARK(BM_BuiltinV100AllRows);

void BM_Scaled100kAnyLimit20(benchmark::State& state) {
  RunQuery(state, Scaled(), Requirements{}, 20);
}
BENCHMARK(BM_Scaled100kAnyLimit20);

void BM_Scaled100kA100SpotAllRows(benchmark::State& state) {
  Requirements requirements;
  requirements.gpu = {"A100", 8};
  requirements.on_demand = false;
  RunQuery(state, Scaled(), requirements, 0);
}
BENCHMARK(BM_Scaled100kA100SpotAllRows);

void BM_Scaled100kRareNoMatch(benchmark::State& state) {
  // Worst case: a full scan that finds nothing.
  Requirements requirements;
  requirements.gpu.model = "T4g";
  requirements.vcpus = 1000;
  RunQuery(state, Scaled(), requirements, 0);
}
BENCHMARK(BM_Scaled100kRareNoMatch);

void BM_ParseBuiltinCatalogText(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Catalog::Parse(kBuiltinCatalogText));
}
BENCHMARK(BM_ParseBuiltinCatalogText);

}  // namespace
}  // namespace gpubox
