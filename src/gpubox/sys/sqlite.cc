#include "gpubox/sys/sqlite.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "gpubox/sys/real_file_system.h"

namespace gpubox {

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : statement_(other.statement_), db_(other.db_), bound_(other.bound_) {
  other.statement_ = nullptr;
}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(statement_);
    statement_ = other.statement_;
    db_ = other.db_;
    bound_ = other.bound_;
    other.statement_ = nullptr;
  }
  return *this;
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(statement_); }

SqliteStatement& SqliteStatement::Bind(std::string_view text) {
  sqlite3_bind_text(statement_, ++bound_, text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int64_t value) {
  sqlite3_bind_int64(statement_, ++bound_, value);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(double value) {
  sqlite3_bind_double(statement_, ++bound_, value);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(std::optional<double> value) {
  if (value) return Bind(*value);
  sqlite3_bind_null(statement_, ++bound_);
  return *this;
}

Result<void> SqliteStatement::Run() {
  int step = sqlite3_step(statement_);
  if (step != SQLITE_DONE && step != SQLITE_ROW) {
    return std::unexpected(db_->ErrorFor(sqlite3_sql(statement_)));
  }
  return {};
}

Result<bool> SqliteStatement::Next() {
  int step = sqlite3_step(statement_);
  if (step == SQLITE_ROW) return true;
  if (step == SQLITE_DONE) return false;
  return std::unexpected(db_->ErrorFor(sqlite3_sql(statement_)));
}

void SqliteStatement::Reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
  bound_ = 0;
}

std::string SqliteStatement::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
  return text ? std::string(text, static_cast<size_t>(sqlite3_column_bytes(statement_, column)))
              : std::string();
}

int64_t SqliteStatement::Int(int column) const { return sqlite3_column_int64(statement_, column); }

double SqliteStatement::Real(int column) const { return sqlite3_column_double(statement_, column); }

std::optional<double> SqliteStatement::OptionalReal(int column) const {
  if (sqlite3_column_type(statement_, column) == SQLITE_NULL) return std::nullopt;
  return Real(column);
}

namespace {

constexpr int kOpenRetryMicros = 20'000;

void SleepForOpenRetry() {
  std::this_thread::sleep_for(std::chrono::microseconds(kOpenRetryMicros));
}

}  // namespace

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path,
                                                             std::string_view what) {
  if (size_t slash = path.rfind('/'); slash != std::string::npos && slash > 0) {
    RealFileSystem files;
    GPUBOX_TRY_VOID(files.MakeDirs(path.substr(0, slash), 0700));
  }
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Fail(ErrorCode::kEnvironment,
                "cannot open the " + std::string(what) + " " + path + ": " + message,
                "check that the directory is writable");
  }
  std::unique_ptr<SqliteDatabase> database(new SqliteDatabase(db, std::string(what)));
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // Switching to WAL needs the database to itself for a moment, and SQLite does not wait
  // for that with the busy handler: a database already in WAL is left alone, and the
  // switch is tried again while other processes open the same new file.
  for (int tries = 0;; ++tries) {
    bool wal = false;
    {
      auto mode = database->Prepare("PRAGMA journal_mode");
      wal = mode && mode->Next().value_or(false) && mode->Text(0) == "wal";
    }  // the statement ends here: it must not hold a read while the mode changes
    if (wal) break;
    auto switched = database->Exec("PRAGMA journal_mode=WAL");
    if (switched) break;
    if (tries * kOpenRetryMicros / 1000 >= kBusyTimeoutMs) return std::unexpected(switched.error());
    SleepForOpenRetry();
  }
  return database;
}

SqliteDatabase::~SqliteDatabase() { sqlite3_close(db_); }

Error SqliteDatabase::ErrorFor(std::string_view what) const {
  return Error{ErrorCode::kInternal, what_ + ": " + std::string(what) + ": " + sqlite3_errmsg(db_),
               ""};
}

Result<void> SqliteDatabase::Exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    return Fail(ErrorCode::kInternal, what_ + ": " + sql + ": " + text);
  }
  return {};
}

Result<SqliteStatement> SqliteDatabase::Prepare(std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement, nullptr) !=
      SQLITE_OK) {
    return std::unexpected(ErrorFor("prepare " + std::string(sql)));
  }
  return SqliteStatement(statement, this);
}

Result<std::vector<std::string>> SqliteDatabase::ColumnNames(std::string_view table) {
  auto info = GPUBOX_TRY(Prepare("SELECT name FROM pragma_table_info(?)"));
  info.Bind(table);
  std::vector<std::string> names;
  while (GPUBOX_TRY(info.Next())) names.push_back(info.Text(0));
  return names;
}

Result<bool> SqliteDatabase::HasColumn(std::string_view table, std::string_view column) {
  auto names = GPUBOX_TRY(ColumnNames(table));
  return std::find(names.begin(), names.end(), column) != names.end();
}

Result<void> SqliteDatabase::AddColumnIfMissing(std::string_view table, const SqlColumn& column) {
  if (GPUBOX_TRY(HasColumn(table, column.name))) return {};
  return Exec("ALTER TABLE " + std::string(table) + " ADD COLUMN " + std::string(column.name) +
              " " + std::string(column.declaration));
}

Result<void> SqliteDatabase::EnsureTable(std::string_view table,
                                         std::span<const SqlColumn> columns) {
  std::string create = "CREATE TABLE IF NOT EXISTS " + std::string(table) + " (";
  for (size_t column_idx = 0; column_idx < columns.size(); ++column_idx) {
    if (column_idx > 0) create += ", ";
    create +=
        std::string(columns[column_idx].name) + " " + std::string(columns[column_idx].declaration);
  }
  GPUBOX_TRY_VOID(Exec(create + ")"));
  // One look at the table, then only what an older database lacks.
  auto present = GPUBOX_TRY(ColumnNames(table));
  for (const SqlColumn& column : columns) {
    if (std::find(present.begin(), present.end(), column.name) == present.end()) {
      GPUBOX_TRY_VOID(AddColumnIfMissing(table, column));
    }
  }
  return {};
}

}  // namespace gpubox
