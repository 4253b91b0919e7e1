// Snapshots of live databases: a copy is its database as of Begin, whatever
// a writer commits afterwards; a damaged copy fails its integrity check.
#include "node/store/sqlite_snapshot.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "node/store/sqlite.h"

namespace fedlink::store::sqlite {
namespace {

std::string TempPath(const std::string& name) {
  auto dir = std::filesystem::path(::testing::TempDir()) /
             ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::filesystem::create_directories(dir);
  std::filesystem::remove(dir / name);
  return (dir / name).string();
}

int64_t Rows(const std::string& path) {
  auto db = Database::Open(path, {});
  EXPECT_TRUE(db.ok()) << db.status();
  auto st = (*db)->Prepare("SELECT count(*) FROM t");
  EXPECT_TRUE(*(*st)->Step());
  return (*st)->ColumnInt64(0);
}

TEST(SqliteSnapshotTest, CopiesAreTheDatabasesAsOfBeginWhileAWriterGoesOn) {
  const std::string a = TempPath("a.db"), b = TempPath("b.db");
  auto wa = Database::Open(a, {.create = true});
  auto wb = Database::Open(b, {.create = true});
  ASSERT_TRUE(wa.ok() && wb.ok());
  for (auto* db : {wa->get(), wb->get()}) {
    ASSERT_TRUE(db->Exec("CREATE TABLE t (x INTEGER); PRAGMA user_version = 7;").ok());
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (1)").ok());
  }
  auto snapshot = DatabaseSnapshot::Begin({a, b});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  // The node writes on after the snapshot began (WAL: not blocked).
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE((*wa)->Exec("INSERT INTO t VALUES (2)").ok());
    ASSERT_TRUE((*wb)->Exec("INSERT INTO t VALUES (2)").ok());
  }
  const std::string ca = TempPath("copy-a.db"), cb = TempPath("copy-b.db");
  ASSERT_TRUE((*snapshot)->CopyTo(0, ca).ok());
  ASSERT_TRUE((*snapshot)->CopyTo(1, cb).ok());
  EXPECT_TRUE(absl::IsAlreadyExists((*snapshot)->CopyTo(0, ca)));
  EXPECT_EQ(Rows(ca), 100);
  EXPECT_EQ(Rows(cb), 100);
  EXPECT_EQ(Rows(a), 150);
  EXPECT_TRUE(CheckIntegrity(ca).ok());
  EXPECT_EQ(*FileSchemaVersion(ca), 7);
}

TEST(SqliteSnapshotTest, ADamagedCopyFailsItsIntegrityCheckNamingTheFile) {
  const std::string path = TempPath("d.db");
  {
    auto db = Database::Open(path, {.create = true});
    ASSERT_TRUE((*db)->Exec("CREATE TABLE t (x TEXT); CREATE INDEX i ON t (x);").ok());
    for (int i = 0; i < 2000; ++i) {
      ASSERT_TRUE((*db)->Exec("INSERT INTO t VALUES (hex(randomblob(40)))").ok());
    }
  }
  const std::string copy = TempPath("copy.db");
  {
    auto snapshot = DatabaseSnapshot::Begin({path});
    ASSERT_TRUE((*snapshot)->CopyTo(0, copy).ok());
  }
  ASSERT_TRUE(CheckIntegrity(copy).ok());
  // Scribble over the middle of a page of the table or its index.
  {
    std::fstream f(copy, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(copy) / 2));
    const std::string junk(300, '\x7f');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  const absl::Status s = CheckIntegrity(copy);
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_NE(s.message().find(copy), std::string::npos) << s;
  EXPECT_FALSE(DatabaseSnapshot::Begin({TempPath("missing.db")}).ok());
}

}  // namespace
}  // namespace fedlink::store::sqlite
