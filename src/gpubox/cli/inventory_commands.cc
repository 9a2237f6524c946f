/// `gpubox ls --all-regions` (every tagged resource, per region, with its monthly cost, the
/// store's unknowns marked as orphans) and `gpubox gc [--yes]` (the orphans deleted):
/// box/inventory.h.

#include "gpubox/cli/inventory_commands.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <ostream>

#include "gpubox/box/inventory.h"
#include "gpubox/cli/commands.h"
#include "gpubox/cli/confirm.h"
#include "gpubox/cli/table.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

nlohmann::json ResourceJson(const TaggedResource& resource) {
  return {{"region", resource.region},
          {"kind", ResourceKindName(resource.kind)},
          {"id", resource.id},
          {"box", resource.box},
          {"state", resource.state},
          {"detail", resource.detail},
          {"monthly_usd", resource.monthly_usd},
          {"orphan", resource.orphan}};
}

struct Totals {
  int resources = 0;
  int orphans = 0;
  double monthly_usd = 0;
  double orphan_monthly_usd = 0;
};

Totals Sum(const std::vector<RegionInventory>& inventory) {
  Totals totals;
  for (const RegionInventory& region : inventory) {
    for (const TaggedResource& resource : region.resources) {
      ++totals.resources;
      totals.monthly_usd += resource.monthly_usd;
      if (resource.orphan) {
        ++totals.orphans;
        totals.orphan_monthly_usd += resource.monthly_usd;
      }
    }
  }
  return totals;
}

/// The rows of `inventory` (only its orphans when `orphans_only`), region by region.
void PrintResources(const std::vector<RegionInventory>& inventory, bool orphans_only,
                    std::ostream& out) {
  Table table({"REGION", "KIND", "ID", "BOX", "STATE", "WHAT", "$/MONTH", "ORPHAN"});
  for (const RegionInventory& region : inventory) {
    for (const TaggedResource& resource : region.resources) {
      if (orphans_only && !resource.orphan) continue;
      table.AddRow({resource.region, ResourceKindName(resource.kind), resource.id,
                    resource.box.empty() ? "-" : resource.box,
                    resource.state.empty() ? "-" : resource.state, resource.detail,
                    "$" + FormatFixed(resource.monthly_usd, 2), resource.orphan ? "orphan" : "-"});
    }
  }
  if (table.size() > 0) table.Print(out);
}

/// The inventory of every region of the session's cloud, the regions queried in parallel;
/// a region that failed is said on `err` (and makes the result partial, not an error).
Result<std::vector<RegionInventory>> TakeInventory(CommandContext& context, CloudSession& session,
                                                   Inventory& inventory) {
  auto regions = GPUBOX_TRY(session.cloud().Regions());
  auto taken = GPUBOX_TRY(inventory.Take(regions, true));
  for (const RegionInventory& region : taken) {
    if (region.error) {
      context.err << "gpubox: warning: " << region.region
                  << " could not be listed: " << region.error->message << '\n';
    }
  }
  return taken;
}

class GcCommand : public Command {
 public:
  const char* name() const override { return "gc"; }
  const char* summary() const override {
    return "delete what gpubox tagged in any region but no box of yours knows (orphans)";
  }
  void Configure(CLI::App& app) override {
    app.add_flag("--yes,-y", yes_, "delete them (without it: list them only)");
    app.add_flag("--json", json_, "print JSON");
    cloud_flags_.Add(app);
  }
  Result<int> Run(CommandContext& context) override {
    auto session = GPUBOX_TRY(CloudSession::Open(context.env, cloud_flags_, false, context.err));
    Inventory inventory(context.env, session->cloud(), session->store(), Catalog::Builtin());
    auto taken = GPUBOX_TRY(TakeInventory(context, *session, inventory));
    Totals totals = Sum(taken);
    nlohmann::json out = {{"orphans", nlohmann::json::array()},
                          {"orphan_monthly_usd", totals.orphan_monthly_usd}};
    for (const RegionInventory& region : taken) {
      for (const TaggedResource& resource : region.resources) {
        if (resource.orphan) out["orphans"].push_back(ResourceJson(resource));
      }
    }
    if (totals.orphans == 0) {
      if (json_)
        context.out << out.dump(2) << '\n';
      else
        context.out << "No orphans: every resource gpubox tagged belongs to a box you have.\n";
      return 0;
    }
    if (!json_) {
      PrintResources(taken, true, context.out);
      context.out << totals.orphans << " orphan(s), $" << FormatFixed(totals.orphan_monthly_usd, 2)
                  << "/month.\n";
    }
    if (!yes_) {
      if (json_)
        context.out << out.dump(2) << '\n';
      else
        context.out << "Nothing deleted; 'gpubox gc --yes' deletes them.\n";
      return 0;
    }
    GcReport report = inventory.Collect(taken, context.err);
    for (const std::string& failure : report.failures) {
      context.err << "gpubox: could not delete " << failure << '\n';
    }
    if (json_) {
      out["deleted"] = report.deleted;
      out["failures"] = report.failures;
      context.out << out.dump(2) << '\n';
    } else {
      context.out << "Deleted " << report.deleted << " of " << totals.orphans << " orphan(s).\n";
    }
    if (!report.failures.empty()) {
      return Fail(ErrorCode::kCloud,
                  std::to_string(report.failures.size()) + " orphan(s) could not be deleted",
                  "run 'gpubox gc --yes' again; 'gpubox ls --all-regions' shows what is left");
    }
    return 0;
  }

 private:
  bool yes_ = false;
  bool json_ = false;
  CloudFlags cloud_flags_;
};

}  // namespace

Result<int> ListAllRegions(CommandContext& context, CloudSession& session, bool json) {
  Inventory inventory(context.env, session.cloud(), session.store(), Catalog::Builtin());
  auto started = std::chrono::steady_clock::now();
  auto taken = GPUBOX_TRY(TakeInventory(context, session, inventory));
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  Totals totals = Sum(taken);
  if (json) {
    nlohmann::json out = {{"regions", nlohmann::json::array()},
                          {"monthly_usd", totals.monthly_usd},
                          {"orphans", totals.orphans},
                          {"orphan_monthly_usd", totals.orphan_monthly_usd}};
    for (const RegionInventory& region : taken) {
      nlohmann::json row = {{"region", region.region},
                            {"resources", nlohmann::json::array()},
                            {"error", region.error ? nlohmann::json(region.error->message)
                                                   : nlohmann::json(nullptr)}};
      for (const TaggedResource& resource : region.resources) {
        row["resources"].push_back(ResourceJson(resource));
      }
      out["regions"].push_back(std::move(row));
    }
    context.out << out.dump(2) << '\n';
    context.err << "gpubox: listed in " << FormatFixed(seconds, 3) << " s\n";
    return 0;
  }
  PrintResources(taken, false, context.out);
  context.out << totals.resources << " tagged resource(s) in " << taken.size() << " region(s), $"
              << FormatFixed(totals.monthly_usd, 2) << "/month";
  if (totals.orphans > 0) {
    context.out << "; " << totals.orphans << " orphan(s), $"
                << FormatFixed(totals.orphan_monthly_usd, 2)
                << "/month: 'gpubox gc' lists them, 'gpubox gc --yes' deletes them";
  }
  context.out << ".\n";
  context.err << "gpubox: listed in " << FormatFixed(seconds, 3) << " s\n";
  return 0;
}

std::unique_ptr<Command> MakeGcCommand() { return std::make_unique<GcCommand>(); }

}  // namespace gpubox
