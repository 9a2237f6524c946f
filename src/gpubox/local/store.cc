#include "gpubox/local/store.h"

namespace gpubox::local {
namespace {

/// Resets a kept statement when the scope ends, whatever the path out.
class StatementReset {
 public:
  explicit StatementReset(SqliteStatement& statement) : statement_(statement) {}
  ~StatementReset() { statement_.Reset(); }

 private:
  SqliteStatement& statement_;
};

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  auto db = GPUBOX_TRY(SqliteDatabase::Open(path, "local cloud database"));
  GPUBOX_TRY_VOID(db->Exec("PRAGMA synchronous=NORMAL"));
  GPUBOX_TRY_VOID(
      db->Exec("CREATE TABLE IF NOT EXISTS resources ("
               " kind TEXT NOT NULL, id TEXT NOT NULL, document TEXT NOT NULL,"
               " PRIMARY KEY (kind, id)) WITHOUT ROWID"));
  std::unique_ptr<Store> store(new Store(std::move(db)));
  GPUBOX_TRY_VOID(store->Prepare());
  return store;
}

Store::~Store() = default;

Result<void> Store::Prepare() {
  put_ = GPUBOX_TRY(
      db_->Prepare("INSERT OR REPLACE INTO resources (kind, id, document) VALUES (?1, ?2, ?3)"));
  delete_ = GPUBOX_TRY(db_->Prepare("DELETE FROM resources WHERE kind = ?1 AND id = ?2"));
  load_ =
      GPUBOX_TRY(db_->Prepare("SELECT id, document FROM resources WHERE kind = ?1 ORDER BY id"));
  return {};
}

Result<void> Store::Put(std::string_view kind, std::string_view id, std::string_view document) {
  std::lock_guard lock(mutex_);
  StatementReset reset(*put_);
  return put_->Bind(kind).Bind(id).Bind(document).Run();
}

Result<void> Store::Delete(std::string_view kind, std::string_view id) {
  std::lock_guard lock(mutex_);
  StatementReset reset(*delete_);
  return delete_->Bind(kind).Bind(id).Run();
}

Result<std::vector<std::pair<std::string, std::string>>> Store::LoadAll(std::string_view kind) {
  std::lock_guard lock(mutex_);
  StatementReset reset(*load_);
  load_->Bind(kind);
  std::vector<std::pair<std::string, std::string>> rows;
  while (GPUBOX_TRY(load_->Next())) rows.emplace_back(load_->Text(0), load_->Text(1));
  return rows;
}

}  // namespace gpubox::local
