/// `gpubox quota`: will the vCPU quotas allow the best offer, per region and
/// quota code, and exactly what increase to ask for (filed with --request).

#include <CLI/CLI.hpp>
#include <map>
#include <ostream>

#include "gpubox/box/quota_check.h"
#include "gpubox/catalog/optimizer.h"
#include "gpubox/catalog/quota.h"
#include "gpubox/cli/box_json.h"
#include "gpubox/cli/cloud_session.h"
#include "gpubox/cli/commands.h"
#include "gpubox/cli/confirm.h"
#include "gpubox/cli/requirement_flags.h"
#include "gpubox/cli/table.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

class QuotaCommand : public Command {
 public:
  const char* name() const override { return "quota"; }
  const char* summary() const override {
    return "check vCPU quotas for the best offers; say (and file) the exact increase";
  }
  void Configure(CLI::App& app) override {
    flags_.Add(app);
    cloud_flags_.Add(app);
    app.add_flag("--json", json_, "print JSON");
    app.add_flag("--request", request_, "file the increases that are needed (asks first)");
    app.add_flag("--yes,-y", yes_, "do not ask before filing");
  }

  Result<int> Run(CommandContext& context) override {
    const Catalog& catalog = Catalog::Builtin();
    Requirements requirements = GPUBOX_TRY(flags_.Resolve(catalog));
    auto session = GPUBOX_TRY(CloudSession::Open(context.env, cloud_flags_, false, context.err));
    std::vector<std::string> regions = GPUBOX_TRY(session->cloud().Regions());
    if (requirements.regions.empty()) {
      for (const std::string& region : regions) {
        if (catalog.FindRegion(region)) requirements.regions.push_back(region);
      }
    }
    // The cheapest offer per (region, quota code) stands for that bucket.
    std::map<std::pair<std::string, std::string>, const Offer*> best;
    for (const Offer* offer : FindOffers(catalog, requirements, 0)) {
      const InstanceType& type = catalog.type(*offer);
      if (type.generation == Generation::kPrevious) continue;
      if (std::find(regions.begin(), regions.end(), catalog.region(*offer)) == regions.end()) {
        continue;
      }
      auto key = std::make_pair(catalog.region(*offer),
                                std::string(QuotaFor(type.family, offer->market).code));
      best.emplace(key, offer);
    }
    if (best.empty()) {
      return Fail(ErrorCode::kNoCapacity, "no offer meets these requirements on this cloud",
                  "'gpubox offers' with the same flags shows what exists");
    }
    QuotaChecker checker(session->cloud(), catalog);
    std::vector<std::pair<const Offer*, QuotaVerdict>> rows;
    for (const auto& [key, offer] : best) {
      rows.emplace_back(offer,
                        GPUBOX_TRY(checker.Check(key.first, catalog.type(*offer), offer->market)));
    }
    if (json_) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& [offer, verdict] : rows) {
        nlohmann::json row = QuotaJson(verdict);
        row["instance_type"] = catalog.type(*offer).name;
        row["market"] = MarketName(offer->market);
        out.push_back(row);
      }
      context.out << out.dump(2) << '\n';
    } else {
      Table table({"REGION", "QUOTA", "NAME", "VALUE", "IN USE", "BEST OFFER", "NEEDS", "VERDICT"});
      for (const auto& [offer, verdict] : rows) {
        table.AddRow({verdict.region, verdict.quota_code, verdict.quota_name,
                      FormatDouble(verdict.quota_value), std::to_string(verdict.vcpus_in_use),
                      catalog.type(*offer).name + " " + MarketName(offer->market),
                      std::to_string(verdict.vcpus_needed),
                      verdict.ok ? "ok"
                                 : "request " + verdict.quota_code + " in " + verdict.region +
                                       " = " + std::to_string(verdict.request_value)});
      }
      table.Print(context.out);
    }
    if (!request_) return 0;
    for (const auto& [offer, verdict] : rows) {
      if (verdict.ok) continue;
      std::string what = verdict.quota_code + " (" + verdict.quota_name + ") in " + verdict.region +
                         " to " + std::to_string(verdict.request_value) + " vCPUs";
      if (!Confirm("request " + what + "?", yes_, context.err)) {
        context.err << "gpubox: not filed: " << what << '\n';
        continue;
      }
      std::string id = GPUBOX_TRY(session->cloud().RequestQuotaIncrease(
          verdict.region, verdict.quota_code, verdict.request_value));
      context.err << "gpubox: filed " << what << ": request " << id << '\n';
    }
    return 0;
  }

 private:
  RequirementFlags flags_;
  CloudFlags cloud_flags_;
  bool json_ = false, request_ = false, yes_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeQuotaCommand() { return std::make_unique<QuotaCommand>(); }

}  // namespace gpubox
