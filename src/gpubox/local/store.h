#pragma once
/// The local cloud's persistent state: one SQLite database (WAL) in the state
/// directory. Resources are kept as JSON documents keyed by kind and id, so
/// the service owns the shape of its records and the store only keeps them.
/// Thread-safe: every call takes the store's lock.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gpubox/sys/sqlite.h"
#include "gpubox/util/result.h"

namespace gpubox::local {

class Store {
 public:
  /// Opens (creating if needed) the database at `path`; ":memory:" for tests.
  static Result<std::unique_ptr<Store>> Open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// Inserts or replaces the document of (kind, id).
  Result<void> Put(std::string_view kind, std::string_view id, std::string_view document);
  /// Deletes (kind, id); succeeds when it is already gone.
  Result<void> Delete(std::string_view kind, std::string_view id);
  /// Every (id, document) of a kind, in id order.
  Result<std::vector<std::pair<std::string, std::string>>> LoadAll(std::string_view kind);

 private:
  explicit Store(std::unique_ptr<SqliteDatabase> db) : db_(std::move(db)) {}
  Result<void> Prepare();

  std::mutex mutex_;
  std::unique_ptr<SqliteDatabase> db_;
  std::optional<SqliteStatement> put_;     ///< GUARDED_BY(mutex_)
  std::optional<SqliteStatement> delete_;  ///< GUARDED_BY(mutex_)
  std::optional<SqliteStatement> load_;    ///< GUARDED_BY(mutex_)
};

}  // namespace gpubox::local
