#include "gpubox/cli/bench_compare.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <ostream>
#include <sstream>
#include <thread>

#include "gpubox/box/lifecycle.h"
#include "gpubox/box/provisioner.h"
#include "gpubox/cli/bench_box.h"
#include "gpubox/cli/bench_chart.h"
#include "gpubox/cli/confirm.h"
#include "gpubox/cli/table.h"
#include "gpubox/sys/file_system.h"
#include "gpubox/sys/process_runner.h"
#include "gpubox/sys/this_process.h"
#include "gpubox/util/strings.h"

namespace gpubox {
namespace {

using nlohmann::json;

/// Progress of one server's thread: whole lines, prefixed with its GPU, written to the
/// shared stream under one lock.
class PrefixedLines : public std::streambuf {
 public:
  PrefixedLines(std::ostream& target, std::mutex& lock, std::string prefix)
      : target_(target), lock_(lock), prefix_(std::move(prefix)) {}
  ~PrefixedLines() override {
    if (!line_.empty()) Flush();
  }

 protected:
  int overflow(int c) override {
    if (c == traits_type::eof()) return 0;
    line_ += static_cast<char>(c);
    if (c == '\n') Flush();
    return c;
  }

 private:
  void Flush() {
    std::lock_guard<std::mutex> hold(lock_);
    target_ << prefix_ << line_ << std::flush;
    line_.clear();
  }
  std::ostream& target_;
  std::mutex& lock_;
  std::string prefix_;
  std::string line_;
};

/// One server of the comparison and what became of it.
struct Server {
  std::string model;
  UpOptions up;
  std::optional<LaunchCandidate> best;  ///< the plan's first candidate
  bool launched = false;                ///< Up() was called: the box may exist
  std::optional<BenchOutcome> outcome;
  std::optional<Error> error;
};

/// "grid-k520" for "GRID K520": a box-name part.
std::string NamePart(std::string_view model) {
  std::string part;
  for (char c : ToLower(model)) part += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return part;
}

std::optional<double> CostOf(const Server& server) {
  return server.outcome ? server.outcome->money.usd_per_million_samples : std::nullopt;
}

std::string Show(const std::optional<double>& value, int decimals) {
  return value ? FormatFixed(*value, decimals) : "-";
}

/// Successes by $ per million samples (unknown last), then failures.
void Rank(std::vector<Server*>& servers) {
  std::stable_sort(servers.begin(), servers.end(), [](const Server* a, const Server* b) {
    auto key = [](const Server* s) {
      std::optional<double> cost = CostOf(*s);
      return std::make_pair(s->outcome ? (cost ? 0 : 1) : 2, cost.value_or(0));
    };
    return key(a) < key(b);
  });
}

json ServerJson(const Server& server) {
  json row = {{"gpu", server.model}, {"box", server.up.name}};
  if (server.outcome) {
    const BenchOutcome& outcome = *server.outcome;
    row["instance_type"] = outcome.box.instance_type;
    row["region"] = outcome.box.region;
    row["market"] = MarketName(outcome.box.market);
    row["price_usd_hr"] = outcome.box.price_usd_hr;
    row["samples_per_s"] = outcome.report.BestSamplesPerSecond();
    row["usd_per_million_samples"] = outcome.doc["cost"]["usd_per_million_samples"];
    row["usd_per_pflops_hour"] = outcome.doc["cost"]["usd_per_pflops_hour"];
    row["bench"] = outcome.doc;
    row["error"] = nullptr;
  } else {
    row["error"] = server.error ? server.error->message : "not run";
  }
  return row;
}

}  // namespace

Result<int> RunBenchCompare(CommandContext& context, const CompareOptions& options) {
  if (options.spot && options.on_demand) {
    return Fail(ErrorCode::kUsage, "--spot and --on-demand exclude each other",
                "leave both out to search both markets");
  }
  const Catalog& catalog = Catalog::Builtin();
  std::vector<Server> servers;
  std::string suffix =
      FormatFixed(static_cast<double>(context.env.clock->NowMicros() / 1000 % 1000000), 0);
  for (std::string_view part : Split(options.gpus, ',')) {
    if (Trim(part).empty()) continue;
    GpuSpec spec = GPUBOX_TRY(ParseGpuSpec(Trim(part), catalog));
    for (const Server& other : servers) {
      if (other.model == spec.model && !spec.count) {
        return Fail(ErrorCode::kUsage, "--gpu names " + spec.model + " twice");
      }
    }
    Server server;
    server.model = spec.count ? spec.model + ":" + std::to_string(*spec.count) : spec.model;
    server.up.requirements.gpu = spec;
    server.up.requirements.regions = options.regions;
    server.up.requirements.spot = !options.on_demand;
    server.up.requirements.on_demand = !options.spot;
    GPUBOX_TRY_VOID(Validate(server.up.requirements, catalog));
    server.up.name = ("bench-" + NamePart(server.model) + "-" + suffix).substr(0, 40);
    servers.push_back(std::move(server));
  }
  if (servers.empty()) {
    return Fail(ErrorCode::kUsage, "--gpu needs at least one GPU model", "--gpu T4,L4,A10G");
  }
  auto session =
      GPUBOX_TRY(CloudSession::Open(context.env, options.cloud_flags, true, context.err));
  std::string caller = GPUBOX_TRY(session->CallerCidr());
  int64_t started_us = context.env.clock->NowMicros();
  Provisioner planner(context.env, session->cloud(), session->store(), catalog, session->paths(),
                      context.err);
  // Plans first: a model nothing fits fails here and launches nothing.
  std::string question;
  for (Server& server : servers) {
    server.up.caller_cidr = caller;
    server.up.started_us = started_us;
    auto plan = planner.Plan(server.up);
    if (!plan) {
      server.error = plan.error();
      continue;
    }
    server.best = plan->candidates.front();
    question += "\n  " + server.model + ": " + server.best->instance_type + " (" +
                MarketName(server.best->market) + ") in " + server.best->region + " at about $" +
                FormatDouble(server.best->price_usd_hr) + "/h";
  }
  if (session->cloud().name() == "aws" &&
      !Confirm("launch, bench and take down, on your AWS account:" + question + "\n?", options.yes,
               context.err)) {
    return Fail(ErrorCode::kUsage, "not confirmed; nothing launched",
                "add --yes to launch without asking");
  }

  // Ctrl-C from here on: no new launch or bench starts, a running bench is stopped, and
  // every box made is taken down before gpubox exits.
  static std::atomic<bool> interrupted{false};
  StopOnSignals(interrupted);
  std::mutex progress_lock;
  std::vector<std::unique_ptr<CloudSession>> sessions;  // one per thread: its own connections
  for (Server& server : servers) {
    (void)server;
    sessions.push_back(
        GPUBOX_TRY(CloudSession::Open(context.env, options.cloud_flags, false, context.err)));
  }
  std::vector<std::thread> threads;
  for (size_t idx = 0; idx < servers.size(); ++idx) {
    if (!servers[idx].best) continue;
    threads.emplace_back([&, idx] {
      Server& server = servers[idx];
      CloudSession& own = *sessions[idx];
      PrefixedLines lines(context.err, progress_lock, "[" + server.model + "] ");
      std::ostream progress(&lines);
      if (interrupted) return;
      Provisioner provisioner(context.env, own.cloud(), own.store(), catalog, own.paths(),
                              progress);
      server.launched = true;
      auto box = provisioner.Up(server.up);
      if (!box) {
        server.error = box.error();
        return;
      }
      if (interrupted) return;
      BenchOptions bench{
          .quick = options.quick, .workers = options.workers, .cancel = &interrupted};
      auto outcome = BenchBox(context.env, own.paths(), *box, bench, progress);
      if (!outcome) {
        server.error = outcome.error();
        return;
      }
      server.outcome = std::move(*outcome);
    });
  }
  for (std::thread& thread : threads) thread.join();

  // Every box made is taken down, whatever happened to it.
  Lifecycle lifecycle(context.env, session->cloud(), session->store(), session->paths(),
                      context.err);
  std::optional<Error> teardown_error;
  for (const Server& server : servers) {
    if (!server.launched || !session->store().Load(server.up.name)) continue;
    auto plan = lifecycle.PlanDown(server.up.name);
    auto down = plan ? lifecycle.Down(*plan, server.up.name) : std::unexpected(plan.error());
    if (!down) {
      context.err << "gpubox: error: could not take " << server.up.name
                  << " down: " << down.error().message << "; hint: gpubox down " << server.up.name
                  << '\n';
      teardown_error = down.error();
    } else {
      context.err << "gpubox: " << server.up.name << " taken down\n";
    }
  }

  // Results: history, table, chart.
  auto history = GPUBOX_TRY(BenchHistory::Open(session->paths().database()));
  int64_t now = context.env.clock->NowMicros() / 1'000'000;
  for (const Server& server : servers) {
    if (server.outcome) GPUBOX_TRY(history->Add(BenchRecordOf(*server.outcome, now)));
  }
  std::vector<Server*> ranked;
  for (Server& server : servers) ranked.push_back(&server);
  Rank(ranked);
  std::vector<ChartRow> chart_rows;
  for (const Server* server : ranked) {
    ChartRow row;
    row.label = server->model;
    if (server->outcome) {
      const BoxRecord& box = server->outcome->box;
      row.label += " " + box.instance_type + " " + MarketName(box.market) + " $" +
                   FormatDouble(box.price_usd_hr) + "/h";
      row.samples_per_s = server->outcome->report.BestSamplesPerSecond();
      row.usd_per_million_samples = CostOf(*server);
    }
    chart_rows.push_back(row);
  }
  std::string svg_path = options.chart;
  if (svg_path.empty()) {
    svg_path = session->paths().state_dir + "/bench/compare-" + std::to_string(now) + ".svg";
  }
  std::string title = "gpubox bench: " + options.gpus +
                      (session->cloud().name() == "local" ? " (local cloud: CPU figures)" : "");
  GPUBOX_TRY_VOID(context.env.files->MakeDirs(svg_path.substr(0, svg_path.rfind('/') + 1)));
  GPUBOX_TRY_VOID(context.env.files->WriteFile(svg_path, BenchChartSvg(title, chart_rows)));
  std::optional<std::string> png_path;
  std::string png = svg_path.substr(0, svg_path.rfind('.')) + ".png";
  auto converted = context.env.processes->Run({"rsvg-convert", "-o", png, svg_path});
  if (converted && converted->exit_code == 0) png_path = png;

  if (options.json) {
    json rows = json::array();
    for (const Server* server : ranked) rows.push_back(ServerJson(*server));
    context.out << json{{"servers", rows},
                        {"chart_svg", svg_path},
                        {"chart_png", png_path ? json(*png_path) : json(nullptr)},
                        {"interrupted", interrupted.load()}}
                       .dump(2)
                << '\n';
  } else {
    Table table({"#", "GPU", "TYPE", "MARKET", "REGION", "$/H", "DEVICE", "TFLOP/S", "SAMPLES/S",
                 "$/M SAMPLES", "$/PFLOP/S-H", "NOTE"});
    int rank = 0;
    for (const Server* server : ranked) {
      if (!server->outcome) {
        table.AddRow({"-", server->model, "-", "-", "-", "-", "-", "-", "-", "-", "-",
                      "failed: " + (server->error ? server->error->message : "not run")});
        continue;
      }
      const BenchOutcome& outcome = *server->outcome;
      const BoxRecord& box = outcome.box;
      std::string note = std::to_string(outcome.flags.size()) + " flag(s)";
      table.AddRow({std::to_string(++rank), server->model, box.instance_type,
                    MarketName(box.market), box.region, FormatDouble(box.price_usd_hr),
                    outcome.report.device_name,
                    Show(outcome.report.Tflops(outcome.money.pflops_precision), 3) + " " +
                        outcome.money.pflops_precision,
                    FormatFixed(outcome.report.BestSamplesPerSecond(), 1),
                    Show(outcome.money.usd_per_million_samples, 2),
                    Show(outcome.money.usd_per_pflops_hour, 2), note});
    }
    table.Print(context.out);
    context.out << "chart: " << svg_path << (png_path ? " and " + *png_path : "") << '\n';
  }
  if (interrupted) {
    return Fail(ErrorCode::kInterrupted, "interrupted; every box this bench made is taken down",
                "'gpubox ls' shows what is left");
  }
  if (teardown_error) return std::unexpected(*teardown_error);
  for (const Server* server : ranked) {
    if (server->error) {
      Error error = *server->error;
      error.message = server->model + ": " + error.message;
      return std::unexpected(error);
    }
  }
  return 0;
}

}  // namespace gpubox
