/// `gpubox bench NAME`: how fast a box is and what a result costs there; `--history`: the
/// results kept so far.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <ostream>

#include "gpubox/box/lifecycle.h"
#include "gpubox/cli/bench_box.h"
#include "gpubox/cli/bench_compare.h"
#include "gpubox/cli/cloud_session.h"
#include "gpubox/cli/commands.h"
#include "gpubox/cli/requirement_flags.h"
#include "gpubox/cli/table.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

using nlohmann::json;

std::string Show(const std::optional<double>& value, int decimals) {
  return value ? FormatFixed(*value, decimals) : "-";
}

json HistoryJson(const BenchRecord& record) {
  auto optional = [](const std::optional<double>& value) {
    return value ? json(*value) : json(nullptr);
  };
  return {{"id", record.id},
          {"time", record.time},
          {"box", record.box},
          {"cloud", record.cloud},
          {"region", record.region},
          {"instance_type", record.instance_type},
          {"market", record.market},
          {"gpu", record.gpu},
          {"device", record.device},
          {"quick", record.quick},
          {"price_usd_hr", record.price_usd_hr},
          {"tflops", optional(record.tflops)},
          {"precision", record.precision},
          {"workers", record.workers},
          {"samples_per_s", record.samples_per_s},
          {"usd_per_million_samples", optional(record.usd_per_million_samples)},
          {"usd_per_pflops_hour", optional(record.usd_per_pflops_hour)},
          {"bench_seconds", record.bench_seconds},
          {"flags", record.flags}};
}

class BenchCommand : public Command {
 public:
  const char* name() const override { return "bench"; }
  const char* summary() const override {
    return "measure a box: TFLOP/s, GB/s, samples/s on 1..N workers, % of peak, $ per result";
  }
  void Configure(CLI::App& app) override {
    app.add_option("name", box_, "the box to measure (running)");
    app.add_flag("--quick", quick_, "smaller sizes, fewer repetitions");
    app.add_option("--workers", workers_,
                   "training workers (default: every GPU, or CPU cores up to 4)");
    app.add_flag("--history", history_, "list the results kept so far");
    app.add_flag("--json", json_, "print JSON");
    app.add_option("--gpu", compare_.gpus,
                   "compare servers: one box per GPU model (T4,L4,A10G), benched, taken down");
    app.add_option("--region", compare_.regions, "with --gpu: search only this region (repeatable)")
        ->allow_extra_args(false);
    app.add_flag("--spot", compare_.spot, "with --gpu: spot market only");
    app.add_flag("--on-demand", compare_.on_demand, "with --gpu: on-demand market only");
    app.add_flag("--yes,-y", compare_.yes, "with --gpu: do not ask before launching paid boxes");
    app.add_option("--chart", compare_.chart, "with --gpu: where to write the chart (SVG)");
    cloud_flags_.Add(app);
  }

  Result<int> Run(CommandContext& context) override {
    auto workers = GPUBOX_TRY(ParseCountFlag("--workers", workers_));
    if (workers > 64) return Fail(ErrorCode::kUsage, "--workers must be 0-64");
    if (history_) {
      if (!box_.empty()) {
        return Fail(ErrorCode::kUsage, "--history takes no box name",
                    "gpubox bench --history [--json]");
      }
      return PrintHistory(context);
    }
    if (!compare_.gpus.empty()) {
      if (!box_.empty()) {
        return Fail(ErrorCode::kUsage, "bench takes a box name or --gpu, not both",
                    "gpubox bench NAME, or gpubox bench --gpu T4,L4");
      }
      compare_.json = json_;
      compare_.quick = quick_;
      compare_.workers = static_cast<int>(workers);
      compare_.cloud_flags = cloud_flags_;
      return RunBenchCompare(context, compare_);
    }
    if (box_.empty()) {
      return Fail(ErrorCode::kUsage, "bench needs a box name or --gpu",
                  "gpubox bench NAME, gpubox bench --gpu T4,L4, or gpubox bench --history");
    }
    if (!compare_.regions.empty() || compare_.spot || compare_.on_demand ||
        !compare_.chart.empty()) {
      return Fail(ErrorCode::kUsage, "--region, --spot, --on-demand and --chart go with --gpu",
                  "gpubox bench --gpu T4,L4 --spot");
    }
    auto session = GPUBOX_TRY(CloudSession::Open(context.env, cloud_flags_, false, context.err));
    Lifecycle lifecycle(context.env, session->cloud(), session->store(), session->paths(),
                        context.err);
    BoxRecord box = GPUBOX_TRY(lifecycle.RunningBox(box_));
    BenchOptions options{.quick = quick_, .workers = static_cast<int>(workers)};
    BenchOutcome outcome =
        GPUBOX_TRY(BenchBox(context.env, session->paths(), box, options, context.err));
    auto history = GPUBOX_TRY(BenchHistory::Open(session->paths().database()));
    int64_t id = GPUBOX_TRY(
        history->Add(BenchRecordOf(outcome, context.env.clock->NowMicros() / 1'000'000)));
    outcome.doc["history_id"] = id;
    if (json_) {
      context.out << outcome.doc.dump(2) << '\n';
    } else {
      PrintBenchOutcome(outcome, context.out);
    }
    return 0;
  }

 private:
  Result<int> PrintHistory(CommandContext& context) {
    GpuboxPaths paths = ResolvePaths(context.env);
    auto history = GPUBOX_TRY(BenchHistory::Open(paths.database()));
    std::vector<BenchRecord> records = GPUBOX_TRY(history->List());
    if (json_) {
      json rows = json::array();
      for (const BenchRecord& record : records) rows.push_back(HistoryJson(record));
      context.out << rows.dump(2) << '\n';
      return 0;
    }
    Table table({"#", "BOX", "TYPE", "GPU", "MARKET", "$/H", "DEVICE", "TFLOP/S", "SAMPLES/S",
                 "$/M SAMPLES", "$/PFLOP/S-H", "FLAGS"});
    for (const BenchRecord& record : records) {
      table.AddRow({std::to_string(record.id), record.box, record.instance_type, record.gpu,
                    record.market, FormatDouble(record.price_usd_hr), record.device,
                    Show(record.tflops, 3) + " " + record.precision,
                    FormatFixed(record.samples_per_s, 1), Show(record.usd_per_million_samples, 2),
                    Show(record.usd_per_pflops_hour, 2), std::to_string(record.flags)});
    }
    if (table.size() == 0) {
      context.err << "gpubox: no bench results yet ('gpubox bench NAME' makes one)\n";
      return 0;
    }
    table.Print(context.out);
    return 0;
  }

  std::string box_, workers_ = "0";
  bool quick_ = false, history_ = false, json_ = false;
  CompareOptions compare_;
  CloudFlags cloud_flags_;
};

}  // namespace

std::unique_ptr<Command> MakeBenchCommand() { return std::make_unique<BenchCommand>(); }

}  // namespace gpubox
