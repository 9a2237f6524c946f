/// `gpubox offers`: feasible offers ranked by price, as a table or JSON.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <ostream>

#include "gpubox/catalog/optimizer.h"
#include "gpubox/catalog/quota.h"
#include "gpubox/cli/commands.h"
#include "gpubox/cli/requirement_flags.h"
#include "gpubox/cli/table.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

std::string GpuText(const InstanceType& type) {
  if (type.gpu_count == 0) return "part " + type.gpu_model;
  return std::to_string(type.gpu_count) + "x " + type.gpu_model;
}

std::string GibText(double gib) {
  double rounded = static_cast<double>(static_cast<long long>(gib * 10 + 0.5)) / 10;
  return FormatDouble(rounded) + " GiB";
}

nlohmann::json OfferJson(const Catalog& catalog, const Offer& offer) {
  const InstanceType& type = catalog.type(offer);
  const std::string& interruption = catalog.interruption(offer);
  return nlohmann::json{
      {"instance_type", type.name},
      {"gpu_model", type.gpu_model},
      {"gpu_count", type.gpu_count},
      {"gpu_mem_gib", type.gpu_mem_gib()},
      {"vcpus", type.vcpus},
      {"mem_gib", type.mem_gib()},
      {"region", catalog.region(offer)},
      {"market", MarketName(offer.market)},
      {"price_usd_hr", offer.price_usd_hr},
      {"spot_interruption",
       interruption.empty() ? nlohmann::json(nullptr) : nlohmann::json(interruption)},
      {"generation", type.generation == Generation::kPrevious ? "previous" : "current"},
      {"quota_code", std::string(QuotaFor(type.family, offer.market).code)},
  };
}

std::string OfferSummary(const Catalog& catalog, const Offer& offer) {
  const InstanceType& type = catalog.type(offer);
  return type.name + " (" + GpuText(type) + ", " + GibText(type.gpu_mem_gib()) + " each) from $" +
         FormatDouble(offer.price_usd_hr) + "/h " + MarketName(offer.market) + " in " +
         catalog.region(offer);
}

/// For every previous-generation type among the offers: why, and what to use.
void PrintPreviousGenerationNotes(const Catalog& catalog, const std::vector<const Offer*>& offers,
                                  const Requirements& requirements, std::ostream& out) {
  std::vector<uint32_t> explained;
  for (const Offer* offer : offers) {
    const InstanceType& type = catalog.type(*offer);
    if (type.generation != Generation::kPrevious) continue;
    if (std::find(explained.begin(), explained.end(), offer->type_idx) != explained.end()) continue;
    explained.push_back(offer->type_idx);
    out << "note: " << type.name << " (" << type.gpu_model << ") is " << type.status
        << "; it cannot be launched.";
    if (const Offer* equivalent = CheapestOfType(catalog, type.suggestion, requirements)) {
      out << " Current equivalent: " << OfferSummary(catalog, *equivalent) << ".";
    }
    out << '\n';
  }
}

class OffersCommand : public Command {
 public:
  const char* name() const override { return "offers"; }
  const char* summary() const override {
    return "list GPU machines you can rent, cheapest first (type x region x market)";
  }
  void Configure(CLI::App& app) override {
    flags_.Add(app);
    app.add_option("--limit", limit_, "rows to show; 0 shows all")->default_str("20");
    app.add_flag("--json", json_, "print a JSON array");
  }
  Result<int> Run(CommandContext& context) override {
    const Catalog& catalog = Catalog::Builtin();
    Requirements requirements = GPUBOX_TRY(flags_.Resolve(catalog));
    auto limit = GPUBOX_TRY(ParseCountFlag("--limit", limit_));
    std::vector<const Offer*> offers =
        FindOffers(catalog, requirements, static_cast<size_t>(limit));
    if (json_) {
      nlohmann::json rows = nlohmann::json::array();
      for (const Offer* offer : offers) rows.push_back(OfferJson(catalog, *offer));
      context.out << rows.dump(2) << '\n';
      PrintPreviousGenerationNotes(catalog, offers, requirements, context.err);
      return 0;
    }
    if (offers.empty()) {
      context.err << "gpubox: no offer meets these requirements; try fewer constraints\n";
      return 0;
    }
    Table table({"TYPE", "GPUS", "GPU MEM", "VCPUS", "RAM", "REGION", "MARKET", "$/H", "INTERRUPT",
                 "QUOTA"});
    for (const Offer* offer : offers) {
      const InstanceType& type = catalog.type(*offer);
      const std::string& interruption = catalog.interruption(*offer);
      std::string market = MarketName(offer->market);
      if (type.generation == Generation::kPrevious) market += " (previous gen)";
      table.AddRow({type.name, GpuText(type), GibText(type.gpu_mem_gib()),
                    std::to_string(type.vcpus), GibText(type.mem_gib()), catalog.region(*offer),
                    market, FormatDouble(offer->price_usd_hr),
                    interruption.empty() ? "-" : interruption,
                    std::string(QuotaFor(type.family, offer->market).code)});
    }
    table.Print(context.out);
    PrintPreviousGenerationNotes(catalog, offers, requirements, context.out);
    return 0;
  }

 private:
  RequirementFlags flags_;
  std::string limit_ = "20";
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeOffersCommand() { return std::make_unique<OffersCommand>(); }

}  // namespace gpubox
