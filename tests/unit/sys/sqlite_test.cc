#include "gpubox/sys/sqlite.h"

#include <gtest/gtest.h>

namespace gpubox {
namespace {

std::unique_ptr<SqliteDatabase> OpenMemory() {
  auto db = SqliteDatabase::Open(":memory:", "test database");
  EXPECT_TRUE(db) << db.error().message;
  return std::move(*db);
}

TEST(SqliteTest, BindsRunsAndReadsRowsWithNullsAsEmpty) {
  auto db = OpenMemory();
  ASSERT_TRUE(db->Exec("CREATE TABLE t (name TEXT, count INTEGER, price REAL, note TEXT)"));
  auto insert = db->Prepare("INSERT INTO t (name, count, price) VALUES (?, ?, ?)");
  ASSERT_TRUE(insert);
  ASSERT_TRUE(insert->Bind("a").Bind(int64_t{3}).Bind(0.25).Run());
  insert->Reset();
  ASSERT_TRUE(insert->Bind(std::string("b\0c", 3)).Bind(4).Bind(1.5).Run());
  auto select = db->Prepare("SELECT name, count, price, note FROM t ORDER BY name");
  ASSERT_TRUE(select);
  ASSERT_TRUE(*select->Next());
  EXPECT_EQ(select->Text(0), "a");
  EXPECT_EQ(select->Int(1), 3);
  EXPECT_DOUBLE_EQ(select->Real(2), 0.25);
  EXPECT_EQ(select->Text(3), "");
  ASSERT_TRUE(*select->Next());
  EXPECT_EQ(select->Text(0), std::string("b\0c", 3));
  EXPECT_FALSE(*select->Next());
}

TEST(SqliteTest, ErrorsNameTheDatabaseAndTheStatement) {
  auto db = OpenMemory();
  auto bad = db->Prepare("SELECT * FROM missing");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInternal);
  EXPECT_NE(bad.error().message.find("test database"), std::string::npos);
  EXPECT_NE(bad.error().message.find("no such table"), std::string::npos);
  ASSERT_TRUE(db->Exec("CREATE TABLE u (id TEXT PRIMARY KEY)"));
  ASSERT_TRUE(db->Exec("INSERT INTO u VALUES ('x')"));
  auto duplicate = db->Prepare("INSERT INTO u VALUES ('x')");
  ASSERT_TRUE(duplicate);
  EXPECT_FALSE(duplicate->Run());
}

TEST(SqliteTest, EnsureTableCreatesThenAddsOnlyWhatAnOlderTableLacks) {
  auto db = OpenMemory();
  ASSERT_TRUE(db->Exec("CREATE TABLE boxes (name TEXT PRIMARY KEY, state TEXT)"));
  ASSERT_TRUE(db->Exec("INSERT INTO boxes VALUES ('old', 'stopped')"));
  const SqlColumn columns[] = {{"name", "TEXT PRIMARY KEY"},
                               {"state", "TEXT"},
                               {"disk_gib", "INTEGER DEFAULT 64"},
                               {"note", "TEXT"}};
  ASSERT_TRUE(db->EnsureTable("boxes", columns));
  EXPECT_TRUE(*db->HasColumn("boxes", "disk_gib"));
  EXPECT_TRUE(*db->HasColumn("boxes", "note"));
  EXPECT_FALSE(*db->HasColumn("boxes", "missing"));
  ASSERT_TRUE(db->EnsureTable("boxes", columns));  // twice: nothing to do, no error
  auto row = db->Prepare("SELECT name, state, disk_gib, note FROM boxes");
  ASSERT_TRUE(row && *row->Next());
  EXPECT_EQ(row->Text(1), "stopped");
  EXPECT_EQ(row->Int(2), 64);  // the declaration's default for rows made before
  ASSERT_TRUE(db->AddColumnIfMissing("boxes", {"note", "TEXT"}));
  ASSERT_TRUE(db->EnsureTable("fresh", columns));
  EXPECT_TRUE(*db->HasColumn("fresh", "note"));
}

TEST(SqliteTest, TransactionsCommitOrRollBack) {
  auto db = OpenMemory();
  ASSERT_TRUE(db->Exec("CREATE TABLE t (v INTEGER)"));
  ASSERT_TRUE(
      db->Transaction([&]() -> Result<void> { return db->Exec("INSERT INTO t VALUES (1)"); }));
  auto failed = db->Transaction([&]() -> Result<void> {
    GPUBOX_TRY_VOID(db->Exec("INSERT INTO t VALUES (2)"));
    return Fail(ErrorCode::kInternal, "changed my mind");
  });
  EXPECT_FALSE(failed);
  auto count = db->Prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(count && *count->Next());
  EXPECT_EQ(count->Int(0), 1);
}

}  // namespace
}  // namespace gpubox
