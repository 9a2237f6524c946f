#include "gpubox/state/bench_history.h"

#include <cmath>

namespace gpubox {
namespace {

/// A new column goes at the end (older databases get it at open).
constexpr SqlColumn kBenchTable[] = {
    {"id", "INTEGER PRIMARY KEY AUTOINCREMENT"},
    {"time", "INTEGER"},
    {"box", "TEXT"},
    {"cloud", "TEXT"},
    {"region", "TEXT"},
    {"instance_type", "TEXT"},
    {"market", "TEXT"},
    {"gpu", "TEXT"},
    {"device", "TEXT"},
    {"quick", "INTEGER"},
    {"price_usd_hr", "REAL"},
    {"tflops", "REAL"},  // NULL: not measured
    {"precision", "TEXT"},
    {"workers", "INTEGER"},
    {"samples_per_s", "REAL"},
    {"usd_per_million_samples", "REAL"},
    {"usd_per_pflops_hour", "REAL"},
    {"bench_seconds", "REAL"},
    {"flags", "INTEGER"},
    {"json", "TEXT"},
};

// nullopt is stored as NULL (SQLite stores a NaN as NULL) and read back from the wrapper's 0:
// these figures are positive when present.
double Stored(const std::optional<double>& value) { return value.value_or(NAN); }
std::optional<double> Loaded(double value) {
  return value > 0 ? std::optional<double>(value) : std::nullopt;
}

}  // namespace

Result<std::unique_ptr<BenchHistory>> BenchHistory::Open(const std::string& path) {
  auto db = GPUBOX_TRY(SqliteDatabase::Open(path, "state database"));
  GPUBOX_TRY_VOID(db->EnsureTable("bench_results", kBenchTable));
  return std::unique_ptr<BenchHistory>(new BenchHistory(std::move(db)));
}

Result<int64_t> BenchHistory::Add(const BenchRecord& record) {
  auto insert = GPUBOX_TRY(db_->Prepare(
      "INSERT INTO bench_results (time, box, cloud, region, instance_type, market, gpu, device, "
      "quick, price_usd_hr, tflops, precision, workers, samples_per_s, "
      "usd_per_million_samples, usd_per_pflops_hour, bench_seconds, flags, json) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  insert.Bind(record.time)
      .Bind(record.box)
      .Bind(record.cloud)
      .Bind(record.region)
      .Bind(record.instance_type)
      .Bind(record.market)
      .Bind(record.gpu)
      .Bind(record.device)
      .Bind(record.quick ? 1 : 0)
      .Bind(record.price_usd_hr)
      .Bind(Stored(record.tflops))
      .Bind(record.precision)
      .Bind(record.workers)
      .Bind(record.samples_per_s)
      .Bind(Stored(record.usd_per_million_samples))
      .Bind(Stored(record.usd_per_pflops_hour))
      .Bind(record.bench_seconds)
      .Bind(record.flags)
      .Bind(record.json);
  GPUBOX_TRY_VOID(insert.Run());
  auto last = GPUBOX_TRY(db_->Prepare("SELECT last_insert_rowid()"));
  GPUBOX_TRY(last.Next());
  return last.Int(0);
}

Result<std::vector<BenchRecord>> BenchHistory::List() {
  auto select = GPUBOX_TRY(db_->Prepare(
      "SELECT id, time, box, cloud, region, instance_type, market, gpu, device, quick, "
      "price_usd_hr, tflops, precision, workers, samples_per_s, usd_per_million_samples, "
      "usd_per_pflops_hour, bench_seconds, flags, json FROM bench_results ORDER BY id"));
  std::vector<BenchRecord> records;
  while (GPUBOX_TRY(select.Next())) {
    BenchRecord record;
    int col = 0;
    record.id = select.Int(col++);
    record.time = select.Int(col++);
    for (std::string* field : {&record.box, &record.cloud, &record.region, &record.instance_type,
                               &record.market, &record.gpu, &record.device}) {
      *field = select.Text(col++);
    }
    record.quick = select.Int(col++) != 0;
    record.price_usd_hr = select.Real(col++);
    record.tflops = Loaded(select.Real(col++));
    record.precision = select.Text(col++);
    record.workers = static_cast<int>(select.Int(col++));
    record.samples_per_s = select.Real(col++);
    record.usd_per_million_samples = Loaded(select.Real(col++));
    record.usd_per_pflops_hour = Loaded(select.Real(col++));
    record.bench_seconds = select.Real(col++);
    record.flags = static_cast<int>(select.Int(col++));
    record.json = select.Text(col++);
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace gpubox
