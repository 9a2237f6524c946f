#include "gpubox/local/store.h"

#include <memory>

namespace gpubox::local {
namespace {

/// Resets a statement when the scope ends, whatever the path out.
class StatementReset {
 public:
  explicit StatementReset(sqlite3_stmt* statement) : statement_(statement) {}
  ~StatementReset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }

 private:
  sqlite3_stmt* statement_;
};

void BindText(sqlite3_stmt* statement, int index, std::string_view text) {
  sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Fail(ErrorCode::kEnvironment,
                "cannot open the local cloud's database " + path + ": " + message);
  }
  std::unique_ptr<Store> store(new Store(db));
  sqlite3_busy_timeout(db, 5000);
  GPUBOX_TRY_VOID(store->Exec("PRAGMA journal_mode=WAL"));
  GPUBOX_TRY_VOID(store->Exec("PRAGMA synchronous=NORMAL"));
  GPUBOX_TRY_VOID(
      store->Exec("CREATE TABLE IF NOT EXISTS resources ("
                  " kind TEXT NOT NULL, id TEXT NOT NULL, document TEXT NOT NULL,"
                  " PRIMARY KEY (kind, id)) WITHOUT ROWID"));
  GPUBOX_TRY_VOID(store->Prepare());
  return store;
}

Store::~Store() {
  sqlite3_finalize(put_);
  sqlite3_finalize(delete_);
  sqlite3_finalize(load_);
  sqlite3_close(db_);
}

Error Store::SqlError(const char* what) const {
  return Error{ErrorCode::kInternal,
               std::string("local cloud database: ") + what + ": " + sqlite3_errmsg(db_)};
}

Result<void> Store::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown";
    sqlite3_free(message);
    return Fail(ErrorCode::kInternal, std::string("local cloud database: ") + sql + ": " + text);
  }
  return {};
}

Result<void> Store::Prepare() {
  const std::pair<const char*, sqlite3_stmt**> statements[] = {
      {"INSERT OR REPLACE INTO resources (kind, id, document) VALUES (?1, ?2, ?3)", &put_},
      {"DELETE FROM resources WHERE kind = ?1 AND id = ?2", &delete_},
      {"SELECT id, document FROM resources WHERE kind = ?1 ORDER BY id", &load_},
  };
  for (const auto& [sql, statement] : statements) {
    if (sqlite3_prepare_v2(db_, sql, -1, statement, nullptr) != SQLITE_OK) {
      return std::unexpected(SqlError("prepare"));
    }
  }
  return {};
}

Result<void> Store::Put(std::string_view kind, std::string_view id, std::string_view document) {
  std::lock_guard lock(mutex_);
  StatementReset reset(put_);
  BindText(put_, 1, kind);
  BindText(put_, 2, id);
  BindText(put_, 3, document);
  if (sqlite3_step(put_) != SQLITE_DONE) return std::unexpected(SqlError("put"));
  return {};
}

Result<void> Store::Delete(std::string_view kind, std::string_view id) {
  std::lock_guard lock(mutex_);
  StatementReset reset(delete_);
  BindText(delete_, 1, kind);
  BindText(delete_, 2, id);
  if (sqlite3_step(delete_) != SQLITE_DONE) return std::unexpected(SqlError("delete"));
  return {};
}

Result<std::vector<std::pair<std::string, std::string>>> Store::LoadAll(std::string_view kind) {
  std::lock_guard lock(mutex_);
  StatementReset reset(load_);
  BindText(load_, 1, kind);
  std::vector<std::pair<std::string, std::string>> rows;
  int rc;
  while ((rc = sqlite3_step(load_)) == SQLITE_ROW) {
    auto column = [&](int index) {
      const char* text = reinterpret_cast<const char*>(sqlite3_column_text(load_, index));
      return std::string(text ? text : "", sqlite3_column_bytes(load_, index));
    };
    rows.emplace_back(column(0), column(1));
  }
  if (rc != SQLITE_DONE) return std::unexpected(SqlError("load"));
  return rows;
}

}  // namespace gpubox::local
