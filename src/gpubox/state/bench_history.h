#pragma once
/// The results of `gpubox bench`, kept in the state database (table bench_results) so that
/// `gpubox bench --history` and a later comparison show earlier runs. One row per bench of
/// one box; the script's whole JSON is kept beside the figures the tables show.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gpubox/sys/sqlite.h"
#include "gpubox/util/result.h"

namespace gpubox {

struct BenchRecord {
  int64_t id = 0;    ///< assigned on Add
  int64_t time = 0;  ///< Unix seconds
  std::string box, cloud, region, instance_type, market;
  std::string gpu;     ///< the instance type's GPUs ("1x T4")
  std::string device;  ///< what ran the bench: the GPU's name, or "CPU"
  bool quick = false;
  double price_usd_hr = 0;
  std::optional<double> tflops;  ///< at `precision` (fp16 where measured)
  std::string precision;
  int workers = 0;
  double samples_per_s = 0;  ///< training, all workers
  std::optional<double> usd_per_million_samples;
  std::optional<double> usd_per_pflops_hour;
  double bench_seconds = 0;
  int flags = 0;     ///< how many results were flagged
  std::string json;  ///< gpubox bench --json's document
};

class BenchHistory {
 public:
  /// Opens the state database at `path` (its own connection) and makes the table.
  static Result<std::unique_ptr<BenchHistory>> Open(const std::string& path);

  /// Saves `record`; returns its id.
  Result<int64_t> Add(const BenchRecord& record);
  /// Every result, oldest first.
  Result<std::vector<BenchRecord>> List();

 private:
  explicit BenchHistory(std::unique_ptr<SqliteDatabase> db) : db_(std::move(db)) {}
  std::unique_ptr<SqliteDatabase> db_;
};

}  // namespace gpubox
