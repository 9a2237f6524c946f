#include "gpubox/state/box_store.h"

#include <filesystem>

namespace gpubox {
namespace {

constexpr const char* kSchema = R"sql(
PRAGMA journal_mode=WAL;
PRAGMA busy_timeout=5000;
CREATE TABLE IF NOT EXISTS boxes (
  name TEXT PRIMARY KEY, cloud TEXT, endpoint TEXT, region TEXT, zone TEXT,
  instance_id TEXT, instance_type TEXT, market TEXT, price_usd_hr REAL, gpu TEXT,
  state TEXT, key_name TEXT, key_path TEXT, security_group_id TEXT, image_id TEXT,
  client_token TEXT, framework TEXT, public_ip TEXT, setup_phases TEXT,
  created_at INTEGER, running_since INTEGER, billed_seconds INTEGER, disk_gib INTEGER);
CREATE TABLE IF NOT EXISTS attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT, box TEXT, time INTEGER, instance_type TEXT,
  region TEXT, zone TEXT, market TEXT, price_usd_hr REAL, outcome TEXT, message TEXT);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER, box TEXT, kind TEXT, message TEXT);
)sql";

constexpr const char* kBoxColumns =
    "name, cloud, endpoint, region, zone, instance_id, instance_type, market, price_usd_hr, "
    "gpu, state, key_name, key_path, security_group_id, image_id, client_token, framework, "
    "public_ip, setup_phases, created_at, running_since, billed_seconds, disk_gib";

/// A prepared statement that finalizes itself, with positional binders.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  bool ok() const { return stmt_ != nullptr; }
  void Bind(const std::string& text) {
    sqlite3_bind_text(stmt_, ++bound_, text.c_str(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
  }
  void Bind(int64_t value) { sqlite3_bind_int64(stmt_, ++bound_, value); }
  void Bind(int value) { sqlite3_bind_int64(stmt_, ++bound_, value); }
  void Bind(double value) { sqlite3_bind_double(stmt_, ++bound_, value); }
  int Step() { return sqlite3_step(stmt_); }
  std::string Text(int col) const {
    const unsigned char* text = sqlite3_column_text(stmt_, col);
    return text ? reinterpret_cast<const char*>(text) : "";
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Real(int col) const { return sqlite3_column_double(stmt_, col); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int bound_ = 0;
};

BoxRecord ReadBox(const Statement& row) {
  BoxRecord box;
  int col = 0;
  for (std::string* field : {&box.name, &box.cloud, &box.endpoint, &box.region, &box.zone,
                             &box.instance_id, &box.instance_type, &box.market}) {
    *field = row.Text(col++);
  }
  box.price_usd_hr = row.Real(col++);
  for (std::string* field :
       {&box.gpu, &box.state, &box.key_name, &box.key_path, &box.security_group_id, &box.image_id,
        &box.client_token, &box.framework, &box.public_ip, &box.setup_phases}) {
    *field = row.Text(col++);
  }
  box.created_at = row.Int(col++);
  box.running_since = row.Int(col++);
  box.billed_seconds = row.Int(col++);
  box.disk_gib = static_cast<int>(row.Int(col++));
  return box;
}

}  // namespace

Result<std::unique_ptr<BoxStore>> BoxStore::Open(const std::string& path) {
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Fail(ErrorCode::kEnvironment, "cannot open the state database " + path + ": " + message,
                "check that the directory is writable (XDG_STATE_HOME)");
  }
  std::unique_ptr<BoxStore> store(new BoxStore(db));
  GPUBOX_TRY_VOID(store->Exec(kSchema));
  return store;
}

BoxStore::~BoxStore() { sqlite3_close(db_); }

Error BoxStore::SqlError(const std::string& what) const {
  return Error{ErrorCode::kInternal, "state database: " + what + ": " + sqlite3_errmsg(db_), ""};
}

Result<void> BoxStore::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "?";
    sqlite3_free(message);
    return Fail(ErrorCode::kInternal, "state database: " + text);
  }
  return {};
}

Result<void> BoxStore::Save(const BoxRecord& box) {
  Statement stmt(db_, (std::string("INSERT OR REPLACE INTO boxes (") + kBoxColumns +
                       ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
                          .c_str());
  if (!stmt.ok()) return std::unexpected(SqlError("prepare save"));
  for (const std::string* field : {&box.name, &box.cloud, &box.endpoint, &box.region, &box.zone,
                                   &box.instance_id, &box.instance_type, &box.market}) {
    stmt.Bind(*field);
  }
  stmt.Bind(box.price_usd_hr);
  for (const std::string* field :
       {&box.gpu, &box.state, &box.key_name, &box.key_path, &box.security_group_id, &box.image_id,
        &box.client_token, &box.framework, &box.public_ip, &box.setup_phases}) {
    stmt.Bind(*field);
  }
  stmt.Bind(box.created_at);
  stmt.Bind(box.running_since);
  stmt.Bind(box.billed_seconds);
  stmt.Bind(box.disk_gib);
  if (stmt.Step() != SQLITE_DONE) return std::unexpected(SqlError("save box " + box.name));
  return {};
}

Result<BoxRecord> BoxStore::Load(const std::string& name) {
  Statement stmt(db_,
                 (std::string("SELECT ") + kBoxColumns + " FROM boxes WHERE name = ?").c_str());
  stmt.Bind(name);
  if (stmt.Step() != SQLITE_ROW) {
    return Fail(ErrorCode::kNotFound, "no box named '" + name + "'",
                "'gpubox ls' lists your boxes");
  }
  return ReadBox(stmt);
}

Result<std::vector<BoxRecord>> BoxStore::List() {
  Statement stmt(db_, (std::string("SELECT ") + kBoxColumns + " FROM boxes ORDER BY name").c_str());
  std::vector<BoxRecord> boxes;
  int step = SQLITE_ROW;
  while ((step = stmt.Step()) == SQLITE_ROW) boxes.push_back(ReadBox(stmt));
  if (step != SQLITE_DONE) return std::unexpected(SqlError("list boxes"));
  return boxes;
}

Result<void> BoxStore::Delete(const std::string& name) {
  Statement stmt(db_, "DELETE FROM boxes WHERE name = ?");
  stmt.Bind(name);
  if (stmt.Step() != SQLITE_DONE) return std::unexpected(SqlError("delete box " + name));
  return {};
}

Result<void> BoxStore::AddAttempt(const AttemptRecord& attempt) {
  Statement stmt(db_,
                 "INSERT INTO attempts (box, time, instance_type, region, zone, market, "
                 "price_usd_hr, outcome, message) VALUES (?,?,?,?,?,?,?,?,?)");
  stmt.Bind(attempt.box);
  stmt.Bind(attempt.time);
  for (const std::string* field :
       {&attempt.instance_type, &attempt.region, &attempt.zone, &attempt.market}) {
    stmt.Bind(*field);
  }
  stmt.Bind(attempt.price_usd_hr);
  stmt.Bind(attempt.outcome);
  stmt.Bind(attempt.message);
  if (stmt.Step() != SQLITE_DONE) return std::unexpected(SqlError("record attempt"));
  return {};
}

Result<std::vector<AttemptRecord>> BoxStore::Attempts(const std::string& box) {
  Statement stmt(db_,
                 "SELECT box, time, instance_type, region, zone, market, price_usd_hr, outcome, "
                 "message FROM attempts WHERE box = ? ORDER BY id");
  stmt.Bind(box);
  std::vector<AttemptRecord> attempts;
  while (stmt.Step() == SQLITE_ROW) {
    attempts.push_back({stmt.Text(0), stmt.Int(1), stmt.Text(2), stmt.Text(3), stmt.Text(4),
                        stmt.Text(5), stmt.Real(6), stmt.Text(7), stmt.Text(8)});
  }
  return attempts;
}

Result<void> BoxStore::AddEvent(const EventRecord& event) {
  Statement stmt(db_, "INSERT INTO events (time, box, kind, message) VALUES (?,?,?,?)");
  stmt.Bind(event.time);
  stmt.Bind(event.box);
  stmt.Bind(event.kind);
  stmt.Bind(event.message);
  if (stmt.Step() != SQLITE_DONE) return std::unexpected(SqlError("record event"));
  return {};
}

Result<std::vector<EventRecord>> BoxStore::Events(const std::string& box) {
  Statement stmt(
      db_, box.empty() ? "SELECT time, box, kind, message FROM events ORDER BY id"
                       : "SELECT time, box, kind, message FROM events WHERE box = ? ORDER BY id");
  if (!box.empty()) stmt.Bind(box);
  std::vector<EventRecord> events;
  while (stmt.Step() == SQLITE_ROW) {
    events.push_back({stmt.Int(0), stmt.Text(1), stmt.Text(2), stmt.Text(3)});
  }
  return events;
}

}  // namespace gpubox
