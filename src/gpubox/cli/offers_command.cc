/// `gpubox offers`: feasible offers ranked by price, as a table or JSON.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <ostream>

#include "gpubox/catalog/optimizer.h"
#include "gpubox/catalog/quota.h"
#include "gpubox/cli/commands.h"
#include "gpubox/cli/requirement_flags.h"
#include "gpubox/cli/table.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

std::string GibText(double gib) {
  double rounded = static_cast<double>(static_cast<long long>(gib * 10 + 0.5)) / 10;
  return FormatDouble(rounded) + " GiB";
}

/// Appends `text` as a JSON string.
void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
}

/// The offers as a JSON array of objects with the documented keys, written
/// directly (a JSON tree for every row made `--limit 0` three times slower).
std::string OffersJson(const Catalog& catalog, const std::vector<const Offer*>& offers) {
  std::string out = "[";
  out.reserve(offers.size() * 330 + 4);
  for (size_t offer_idx = 0; offer_idx < offers.size(); ++offer_idx) {
    const Offer& offer = *offers[offer_idx];
    const InstanceType& type = catalog.type(offer);
    const std::string& interruption = catalog.interruption(offer);
    out += offer_idx == 0 ? "\n  {" : ",\n  {";
    auto key = [&out](const char* name) {
      out += "\n    \"";
      out += name;
      out += "\": ";
    };
    key("instance_type"), AppendJsonString(out, type.name), out += ',';
    key("gpu_model"), AppendJsonString(out, type.gpu_model), out += ',';
    key("gpu_count"), out += std::to_string(type.gpu_count) + ',';
    key("gpu_mem_gib"), out += FormatDouble(type.gpu_mem_gib()) + ',';
    key("vcpus"), out += std::to_string(type.vcpus) + ',';
    key("mem_gib"), out += FormatDouble(type.mem_gib()) + ',';
    key("region"), AppendJsonString(out, catalog.region(offer)), out += ',';
    key("market"), AppendJsonString(out, MarketName(offer.market)), out += ',';
    key("price_usd_hr"), out += FormatDouble(offer.price_usd_hr) + ',';
    key("spot_interruption");
    if (interruption.empty()) {
      out += "null";
    } else {
      AppendJsonString(out, interruption);
    }
    out += ',';
    key("generation");
    AppendJsonString(out, type.generation == Generation::kPrevious ? "previous" : "current");
    out += ',';
    key("quota_code"), AppendJsonString(out, QuotaFor(type.family, offer.market).code);
    out += "\n  }";
  }
  out += offers.empty() ? "]\n" : "\n]\n";
  return out;
}

std::string OfferSummary(const Catalog& catalog, const Offer& offer) {
  const InstanceType& type = catalog.type(offer);
  return type.name + " (" + type.GpuText() + ", " + GibText(type.gpu_mem_gib()) + " each) from $" +
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
      context.out << OffersJson(catalog, offers);
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
      table.AddRow({type.name, type.GpuText(), GibText(type.gpu_mem_gib()),
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
