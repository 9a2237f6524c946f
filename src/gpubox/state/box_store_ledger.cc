/// BoxStore's run intervals and baked images.

#include "gpubox/state/box_store.h"

namespace gpubox {
namespace {

constexpr SqlColumn kIntervalTable[] = {
    {"id", "INTEGER PRIMARY KEY AUTOINCREMENT"},
    {"box", "TEXT"},
    {"instance_id", "TEXT"},
    {"kind", "TEXT"},  // "instance" or "disk"
    {"started_at", "INTEGER"},
    {"ended_at", "INTEGER"},  // 0 while it lasts
    {"price_usd_hr", "REAL"},
};
constexpr SqlColumn kImageTable[] = {
    {"image_id", "TEXT PRIMARY KEY"},
    {"cloud", "TEXT"},
    {"region", "TEXT"},
    {"box", "TEXT"},
    {"name", "TEXT"},
    {"created_at", "INTEGER"},
};

const char* KindName(IntervalKind kind) {
  return kind == IntervalKind::kDisk ? "disk" : "instance";
}

}  // namespace

Result<void> BoxStore::EnsureLedgerTables(SqliteDatabase& db) {
  GPUBOX_TRY_VOID(db.EnsureTable("run_intervals", kIntervalTable));
  return db.EnsureTable("images", kImageTable);
}

Result<void> BoxStore::OpenInterval(const RunInterval& interval) {
  // One statement: the check and the insert cannot interleave with another process's.
  auto stmt = GPUBOX_TRY(db_->Prepare(
      "INSERT INTO run_intervals (box, instance_id, kind, started_at, ended_at, price_usd_hr) "
      "SELECT ?, ?, ?, ?, 0, ? WHERE NOT EXISTS (SELECT 1 FROM run_intervals "
      "WHERE instance_id = ? AND kind = ? AND ended_at = 0)"));
  stmt.Bind(interval.box).Bind(interval.instance_id).Bind(KindName(interval.kind));
  stmt.Bind(interval.start).Bind(interval.price_usd_hr);
  return stmt.Bind(interval.instance_id).Bind(KindName(interval.kind)).Run();
}

Result<void> BoxStore::CloseInterval(const std::string& instance_id, IntervalKind kind,
                                     int64_t end) {
  auto stmt =
      GPUBOX_TRY(db_->Prepare("UPDATE run_intervals SET ended_at = MAX(started_at, ?) "
                              "WHERE instance_id = ? AND kind = ? AND ended_at = 0"));
  return stmt.Bind(end).Bind(instance_id).Bind(KindName(kind)).Run();
}

Result<std::vector<RunInterval>> BoxStore::Intervals(const std::string& box) {
  std::string sql =
      "SELECT box, instance_id, kind, started_at, ended_at, price_usd_hr FROM run_intervals";
  auto stmt =
      GPUBOX_TRY(db_->Prepare(sql + (box.empty() ? "" : " WHERE box = ?") + " ORDER BY id"));
  if (!box.empty()) stmt.Bind(box);
  std::vector<RunInterval> intervals;
  while (GPUBOX_TRY(stmt.Next())) {
    intervals.push_back({stmt.Text(0), stmt.Text(1),
                         stmt.Text(2) == "disk" ? IntervalKind::kDisk : IntervalKind::kInstance,
                         stmt.Int(3), stmt.Int(4), stmt.Real(5)});
  }
  return intervals;
}

Result<void> BoxStore::AddImage(const BakedImage& image) {
  auto stmt =
      GPUBOX_TRY(db_->Prepare("INSERT OR REPLACE INTO images (image_id, cloud, region, box, name, "
                              "created_at) VALUES (?,?,?,?,?,?)"));
  stmt.Bind(image.image_id).Bind(image.cloud).Bind(image.region).Bind(image.box);
  return stmt.Bind(image.name).Bind(image.created_at).Run();
}

Result<std::vector<BakedImage>> BoxStore::BakedImages() {
  auto stmt = GPUBOX_TRY(db_->Prepare(
      "SELECT image_id, cloud, region, box, name, created_at FROM images ORDER BY created_at"));
  std::vector<BakedImage> images;
  while (GPUBOX_TRY(stmt.Next())) {
    images.push_back(
        {stmt.Text(0), stmt.Text(1), stmt.Text(2), stmt.Text(3), stmt.Text(4), stmt.Int(5)});
  }
  return images;
}

Result<void> BoxStore::DeleteImage(const std::string& image_id) {
  auto stmt = GPUBOX_TRY(db_->Prepare("DELETE FROM images WHERE image_id = ?"));
  return stmt.Bind(image_id).Run();
}

}  // namespace gpubox
