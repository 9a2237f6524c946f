#pragma once
/// The local cloud's persistent state: one SQLite database (WAL) in the state
/// directory. Resources are kept as JSON documents keyed by kind and id, so
/// the service owns the shape of its records and the store only keeps them.
/// Thread-safe: every call takes the store's lock.

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

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
  explicit Store(sqlite3* db) : db_(db) {}
  Result<void> Prepare();
  Result<void> Exec(const char* sql);
  Error SqlError(const char* what) const;

  std::mutex mutex_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* put_ = nullptr;
  sqlite3_stmt* delete_ = nullptr;
  sqlite3_stmt* load_ = nullptr;
};

}  // namespace gpubox::local
