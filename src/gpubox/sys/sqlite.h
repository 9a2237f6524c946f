#pragma once
/// SQLite as gpubox's stores use it (state/ for the laptop's records, local/ for the local
/// cloud's): a database that closes itself, prepared statements that finalize themselves,
/// positional binding, and the one schema migration gpubox needs — a table created with its
/// columns, or given the columns an older database's table lacks.
///
///   auto db = GPUBOX_TRY(SqliteDatabase::Open(path, "state database"));
///   GPUBOX_TRY_VOID(db->EnsureTable("boxes", kBoxColumns));
///   auto insert = GPUBOX_TRY(db->Prepare("INSERT INTO boxes (name) VALUES (?)"));
///   GPUBOX_TRY_VOID(insert.Bind(name).Run());
///
/// Errors are kInternal (kEnvironment when the file cannot be opened) and name what failed
/// with SQLite's message. A database is used by one thread at a time unless its owner
/// serializes the calls (SQLite itself is opened in serialized mode).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gpubox/util/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace gpubox {

/// One column of a table: its name and its SQL declaration ("TEXT", "INTEGER DEFAULT 0").
struct SqlColumn {
  std::string_view name;
  std::string_view declaration;
};

class SqliteDatabase;

/// A prepared statement. Bind() fills the next `?` in order; Reset() makes it reusable
/// with new bindings. Column readers give "" / 0 for NULL.
class SqliteStatement {
 public:
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  ~SqliteStatement();

  SqliteStatement& Bind(std::string_view text);
  SqliteStatement& Bind(const std::string& text) { return Bind(std::string_view(text)); }
  SqliteStatement& Bind(const char* text) { return Bind(std::string_view(text)); }
  SqliteStatement& Bind(int64_t value);
  SqliteStatement& Bind(int value) { return Bind(int64_t{value}); }
  SqliteStatement& Bind(double value);
  /// NULL when unset.
  SqliteStatement& Bind(std::optional<double> value);

  /// Runs a statement that returns no rows (INSERT, UPDATE, DELETE) to completion.
  Result<void> Run();
  /// Steps to the next row: true on a row, false when there are no more.
  Result<bool> Next();
  /// Clears the bindings and rewinds, for the next use of a kept statement.
  void Reset();

  std::string Text(int column) const;
  int64_t Int(int column) const;
  double Real(int column) const;
  /// nullopt for NULL.
  std::optional<double> OptionalReal(int column) const;

 private:
  friend class SqliteDatabase;
  SqliteStatement(sqlite3_stmt* statement, const SqliteDatabase* db)
      : statement_(statement), db_(db) {}

  sqlite3_stmt* statement_ = nullptr;
  const SqliteDatabase* db_ = nullptr;
  int bound_ = 0;
};

class SqliteDatabase {
 public:
  /// Opens or creates the database at `path` and its directory (":memory:" for tests), in
  /// WAL mode (readers never wait for a writer) with a kBusyTimeoutMs busy timeout: a
  /// statement waits that long for another process's write to end. Writers keep their
  /// transactions short (one statement, or one Transaction() without I/O inside), so the
  /// wait is milliseconds; the timeout only bounds a stuck process. Several processes may
  /// open the same file at once. `what` names it in error messages ("state database").
  static constexpr int kBusyTimeoutMs = 30'000;
  static Result<std::unique_ptr<SqliteDatabase>> Open(const std::string& path,
                                                      std::string_view what);
  ~SqliteDatabase();
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  /// Runs one or more statements that return no rows.
  Result<void> Exec(const std::string& sql);
  Result<SqliteStatement> Prepare(std::string_view sql);
  /// Runs `work` in a transaction: committed when it succeeds, rolled back when it fails.
  /// `work` must not reach the network or sleep: other processes wait for it.
  template <typename Work>
  Result<void> Transaction(Work&& work) {
    GPUBOX_TRY_VOID(Exec("BEGIN IMMEDIATE"));
    Result<void> done = work();
    GPUBOX_TRY_VOID(Exec(done ? "COMMIT" : "ROLLBACK"));
    return done;
  }

  /// Whether `table` has a column of that name (false when the table does not exist).
  Result<bool> HasColumn(std::string_view table, std::string_view column);
  /// Adds the column unless the table has it (ALTER TABLE ADD COLUMN: existing rows get
  /// the declaration's DEFAULT, else NULL). The migration for a column added in a later
  /// gpubox: databases made before keep working.
  Result<void> AddColumnIfMissing(std::string_view table, const SqlColumn& column);
  /// Creates `table` with `columns` (the first may carry PRIMARY KEY), or adds those of
  /// `columns` an existing table lacks. Columns are never dropped or changed.
  Result<void> EnsureTable(std::string_view table, std::span<const SqlColumn> columns);

  /// An Error (kInternal) for `what`, with SQLite's last message.
  Error ErrorFor(std::string_view what) const;

 private:
  Result<std::vector<std::string>> ColumnNames(std::string_view table);

  SqliteDatabase(sqlite3* db, std::string what) : db_(db), what_(std::move(what)) {}

  sqlite3* db_ = nullptr;
  std::string what_;
};

}  // namespace gpubox
