/// `gpubox cost [--json]`: what each box spent and the total, from the recorded run
/// intervals (box/run_ledger.h): running time × its price, and its disk while it existed.
/// Boxes since deleted are included (their intervals stay).

#include <CLI/CLI.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>

#include "gpubox/box/run_ledger.h"
#include "gpubox/cli/cloud_session.h"
#include "gpubox/cli/commands.h"
#include "gpubox/cli/table.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

std::string Dollars(double usd) { return "$" + FormatFixed(usd, usd < 10 ? 4 : 2); }

class CostCommand : public Command {
 public:
  const char* name() const override { return "cost"; }
  const char* summary() const override {
    return "what each box spent (running time x price, disk at the EBS rate) and the total";
  }
  void Configure(CLI::App& app) override {
    app.add_flag("--json", json_, "print JSON");
    cloud_flags_.Add(app);
  }
  Result<int> Run(CommandContext& context) override {
    auto session = GPUBOX_TRY(CloudSession::Open(context.env, cloud_flags_, false, context.err));
    BoxStore& store = session->store();
    int64_t now = context.env.clock->NowMicros() / 1'000'000;
    std::map<std::string, std::vector<RunInterval>> by_box;
    for (RunInterval& interval : GPUBOX_TRY(store.Intervals(""))) {
      by_box[interval.box].push_back(std::move(interval));
    }
    std::map<std::string, BoxRecord> boxes;
    for (BoxRecord& box : GPUBOX_TRY(store.List())) {
      by_box[box.name];  // a box without intervals (made before them) is listed too
      boxes[box.name] = std::move(box);
    }
    nlohmann::json out = {{"boxes", nlohmann::json::array()}};
    Table table({"BOX", "STATE", "HOURS", "COMPUTE", "DISK", "TOTAL", "BUDGET LEFT"});
    BoxCost total{"total"};
    for (const auto& [name, intervals] : by_box) {
      auto box = boxes.find(name);
      BoxCost cost = CostOf(name, intervals, now);
      if (intervals.empty() && box != boxes.end()) {  // the estimate boxes had before
        const BoxRecord& record = box->second;
        int64_t running = record.running_since > 0 ? now - record.running_since : 0;
        cost.running_hours = (record.billed_seconds + running) / 3600.0;
        cost.compute_usd = cost.running_hours * record.price_usd_hr;
      }
      total.running_hours += cost.running_hours;
      total.compute_usd += cost.compute_usd;
      total.disk_usd += cost.disk_usd;
      std::string state = box == boxes.end() ? "deleted" : BoxStateName(box->second.state);
      BudgetLeft left = box == boxes.end() ? BudgetLeft{} : BudgetLeftOf(box->second, cost);
      std::string budget;
      if (left.usd) budget = Dollars(*left.usd);
      if (left.hours) budget += (budget.empty() ? "" : ", ") + FormatFixed(*left.hours, 2) + " h";
      table.AddRow({name, state, FormatFixed(cost.running_hours, 3), Dollars(cost.compute_usd),
                    Dollars(cost.disk_usd), Dollars(cost.total_usd()),
                    budget.empty() ? "-" : budget});
      out["boxes"].push_back(
          {{"name", name},
           {"state", state},
           {"running_hours", cost.running_hours},
           {"compute_usd", cost.compute_usd},
           {"disk_usd", cost.disk_usd},
           {"total_usd", cost.total_usd()},
           {"price_usd_hr", box == boxes.end() ? nlohmann::json(nullptr)
                                               : nlohmann::json(box->second.price_usd_hr)},
           {"budget_left_usd", left.usd ? nlohmann::json(*left.usd) : nlohmann::json(nullptr)},
           {"budget_left_hours",
            left.hours ? nlohmann::json(*left.hours) : nlohmann::json(nullptr)}});
    }
    out["total"] = {{"running_hours", total.running_hours},
                    {"compute_usd", total.compute_usd},
                    {"disk_usd", total.disk_usd},
                    {"total_usd", total.total_usd()}};
    if (json_) {
      context.out << out.dump(2) << '\n';
      return 0;
    }
    if (by_box.empty()) {
      context.err << "gpubox: no boxes yet, nothing spent\n";
      return 0;
    }
    table.AddRow({"total", "", FormatFixed(total.running_hours, 3), Dollars(total.compute_usd),
                  Dollars(total.disk_usd), Dollars(total.total_usd()), ""});
    table.Print(context.out);
    return 0;
  }

 private:
  bool json_ = false;
  CloudFlags cloud_flags_;
};

}  // namespace

std::unique_ptr<Command> MakeCostCommand() { return std::make_unique<CostCommand>(); }

}  // namespace gpubox
