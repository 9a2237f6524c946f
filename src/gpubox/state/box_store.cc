#include "gpubox/state/box_store.h"

#include <algorithm>

namespace gpubox {
namespace {

/// The boxes table: the schema and, for databases made by an older gpubox, the migration
/// (columns missing there are added at open). A new column goes at the end of this list.
constexpr SqlColumn kBoxTable[] = {
    {"name", "TEXT PRIMARY KEY"},
    {"cloud", "TEXT"},
    {"endpoint", "TEXT"},
    {"region", "TEXT"},
    {"zone", "TEXT"},
    {"instance_id", "TEXT"},
    {"instance_type", "TEXT"},
    {"market", "TEXT"},
    {"price_usd_hr", "REAL"},
    {"gpu", "TEXT"},
    {"state", "TEXT"},
    {"key_name", "TEXT"},
    {"key_path", "TEXT"},
    {"security_group_id", "TEXT"},
    {"image_id", "TEXT"},
    {"client_token", "TEXT"},
    {"framework", "TEXT"},
    {"public_ip", "TEXT"},
    {"setup_phases", "TEXT"},
    {"created_at", "INTEGER"},
    {"running_since", "INTEGER"},
    {"billed_seconds", "INTEGER"},
    {"disk_gib", "INTEGER"},
    {"failed_phase", "TEXT"},
    {"recovering_from", "TEXT"},
    {"recovery_image", "TEXT"},
    {"max_cost_usd", "REAL"},  // NULL: no budget
    {"max_hours", "REAL"},     // NULL: no budget
    {"cluster", "TEXT"},       // NULL (older rows) or "": a lone box
    {"node", "INTEGER"},
    {"nodes", "INTEGER"},   // NULL (older rows): 1
    {"scheduler", "TEXT"},  // NULL (older rows) or "": none
};
constexpr SqlColumn kAttemptTable[] = {
    {"id", "INTEGER PRIMARY KEY AUTOINCREMENT"},
    {"box", "TEXT"},
    {"time", "INTEGER"},
    {"instance_type", "TEXT"},
    {"region", "TEXT"},
    {"zone", "TEXT"},
    {"market", "TEXT"},
    {"price_usd_hr", "REAL"},
    {"outcome", "TEXT"},
    {"message", "TEXT"},
};
constexpr SqlColumn kEventTable[] = {
    {"id", "INTEGER PRIMARY KEY AUTOINCREMENT"},
    {"time", "INTEGER"},
    {"box", "TEXT"},
    {"kind", "TEXT"},
    {"message", "TEXT"},
    {"time_us", "INTEGER"},  // added with the up timeline; older rows read time * 10^6
};

std::string BoxColumnList() {
  std::string list;
  for (const SqlColumn& column : kBoxTable) {
    if (!list.empty()) list += ", ";
    list += column.name;
  }
  return list;
}

constexpr const char* kBoxStateNames[] = {"launching", "setting-up",   "running",
                                          "stopped",   "setup-failed", "orphan"};

BoxRecord ReadBox(const SqliteStatement& row) {
  BoxRecord box;
  int col = 0;
  for (std::string* field : {&box.name, &box.cloud, &box.endpoint, &box.region, &box.zone,
                             &box.instance_id, &box.instance_type}) {
    *field = row.Text(col++);
  }
  box.market = ParseMarket(row.Text(col++)).value_or(Market::kOnDemand);
  box.price_usd_hr = row.Real(col++);
  box.gpu = row.Text(col++);
  box.state = ParseBoxState(row.Text(col++));
  for (std::string* field :
       {&box.key_name, &box.key_path, &box.security_group_id, &box.image_id, &box.client_token,
        &box.framework, &box.public_ip, &box.setup_phases}) {
    *field = row.Text(col++);
  }
  box.created_at = row.Int(col++);
  box.running_since = row.Int(col++);
  box.billed_seconds = row.Int(col++);
  box.disk_gib = static_cast<int>(row.Int(col++));
  box.failed_phase = row.Text(col++);
  box.recovering_from = row.Text(col++);
  box.recovery_image = row.Text(col++);
  box.max_cost_usd = row.OptionalReal(col++);
  box.max_hours = row.OptionalReal(col++);
  box.cluster = row.Text(col++);
  box.node = static_cast<int>(row.Int(col++));
  box.nodes = std::max(1, static_cast<int>(row.Int(col++)));
  box.scheduler = row.Text(col++);
  return box;
}

}  // namespace

const char* BoxStateName(BoxState state) { return kBoxStateNames[static_cast<int>(state)]; }

BoxState ParseBoxState(std::string_view name) {
  for (size_t state_idx = 0; state_idx < std::size(kBoxStateNames); ++state_idx) {
    if (name == kBoxStateNames[state_idx]) return static_cast<BoxState>(state_idx);
  }
  return BoxState::kLaunching;
}

Result<std::unique_ptr<BoxStore>> BoxStore::Open(const std::string& path) {
  auto db = GPUBOX_TRY(SqliteDatabase::Open(path, "state database"));
  GPUBOX_TRY_VOID(db->EnsureTable("boxes", kBoxTable));
  GPUBOX_TRY_VOID(db->EnsureTable("attempts", kAttemptTable));
  GPUBOX_TRY_VOID(db->EnsureTable("events", kEventTable));
  GPUBOX_TRY_VOID(EnsureLedgerTables(*db));
  return std::unique_ptr<BoxStore>(new BoxStore(std::move(db)));
}

BoxStore::~BoxStore() = default;

Result<void> BoxStore::Save(const BoxRecord& box) {
  std::string placeholders(std::size(kBoxTable) * 2 - 1, ',');
  for (size_t column_idx = 0; column_idx < std::size(kBoxTable); ++column_idx) {
    placeholders[column_idx * 2] = '?';
  }
  auto stmt = GPUBOX_TRY(db_->Prepare("INSERT OR REPLACE INTO boxes (" + BoxColumnList() +
                                      ") VALUES (" + placeholders + ")"));
  for (const std::string* field : {&box.name, &box.cloud, &box.endpoint, &box.region, &box.zone,
                                   &box.instance_id, &box.instance_type}) {
    stmt.Bind(*field);
  }
  stmt.Bind(MarketName(box.market)).Bind(box.price_usd_hr).Bind(box.gpu);
  stmt.Bind(BoxStateName(box.state));
  for (const std::string* field :
       {&box.key_name, &box.key_path, &box.security_group_id, &box.image_id, &box.client_token,
        &box.framework, &box.public_ip, &box.setup_phases}) {
    stmt.Bind(*field);
  }
  stmt.Bind(box.created_at).Bind(box.running_since).Bind(box.billed_seconds).Bind(box.disk_gib);
  stmt.Bind(box.failed_phase).Bind(box.recovering_from).Bind(box.recovery_image);
  stmt.Bind(box.max_cost_usd).Bind(box.max_hours);
  stmt.Bind(box.cluster).Bind(box.node).Bind(box.nodes).Bind(box.scheduler);
  return stmt.Run();
}

Result<BoxRecord> BoxStore::Load(const std::string& name) {
  auto stmt = GPUBOX_TRY(db_->Prepare("SELECT " + BoxColumnList() + " FROM boxes WHERE name = ?"));
  stmt.Bind(name);
  if (!GPUBOX_TRY(stmt.Next())) {
    return Fail(ErrorCode::kNotFound, "no box named '" + name + "'",
                "'gpubox ls' lists your boxes");
  }
  return ReadBox(stmt);
}

Result<std::vector<BoxRecord>> BoxStore::List() {
  auto stmt = GPUBOX_TRY(db_->Prepare("SELECT " + BoxColumnList() + " FROM boxes ORDER BY name"));
  std::vector<BoxRecord> boxes;
  while (GPUBOX_TRY(stmt.Next())) boxes.push_back(ReadBox(stmt));
  return boxes;
}

Result<void> BoxStore::Delete(const std::string& name) {
  auto stmt = GPUBOX_TRY(db_->Prepare("DELETE FROM boxes WHERE name = ?"));
  return stmt.Bind(name).Run();
}

Result<void> BoxStore::AddAttempt(const AttemptRecord& attempt) {
  auto stmt = GPUBOX_TRY(
      db_->Prepare("INSERT INTO attempts (box, time, instance_type, region, zone, market, "
                   "price_usd_hr, outcome, message) VALUES (?,?,?,?,?,?,?,?,?)"));
  stmt.Bind(attempt.box).Bind(attempt.time);
  for (const std::string* field :
       {&attempt.instance_type, &attempt.region, &attempt.zone, &attempt.market}) {
    stmt.Bind(*field);
  }
  return stmt.Bind(attempt.price_usd_hr).Bind(attempt.outcome).Bind(attempt.message).Run();
}

Result<std::vector<AttemptRecord>> BoxStore::Attempts(const std::string& box) {
  auto stmt = GPUBOX_TRY(
      db_->Prepare("SELECT box, time, instance_type, region, zone, market, price_usd_hr, outcome, "
                   "message FROM attempts WHERE box = ? ORDER BY id"));
  stmt.Bind(box);
  std::vector<AttemptRecord> attempts;
  while (GPUBOX_TRY(stmt.Next())) {
    attempts.push_back({stmt.Text(0), stmt.Int(1), stmt.Text(2), stmt.Text(3), stmt.Text(4),
                        stmt.Text(5), stmt.Real(6), stmt.Text(7), stmt.Text(8)});
  }
  return attempts;
}

Result<void> BoxStore::AddEvent(const EventRecord& event) {
  auto stmt = GPUBOX_TRY(
      db_->Prepare("INSERT INTO events (time, box, kind, message, time_us) VALUES (?,?,?,?,?)"));
  int64_t time_us = event.time_us != 0 ? event.time_us : event.time * 1'000'000;
  int64_t time = event.time_us != 0 ? event.time_us / 1'000'000 : event.time;
  return stmt.Bind(time).Bind(event.box).Bind(event.kind).Bind(event.message).Bind(time_us).Run();
}

Result<std::vector<EventRecord>> BoxStore::Events(const std::string& box) {
  auto stmt = GPUBOX_TRY(db_->Prepare(
      box.empty()
          ? "SELECT time, box, kind, message, time_us FROM events ORDER BY id"
          : "SELECT time, box, kind, message, time_us FROM events WHERE box = ? ORDER BY id"));
  if (!box.empty()) stmt.Bind(box);
  std::vector<EventRecord> events;
  while (GPUBOX_TRY(stmt.Next())) {
    int64_t time_us = stmt.Int(4) != 0 ? stmt.Int(4) : stmt.Int(0) * 1'000'000;
    events.push_back({stmt.Int(0), stmt.Text(1), stmt.Text(2), stmt.Text(3), time_us});
  }
  return events;
}

}  // namespace gpubox
