#include "node/store/sqlite.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::store::sqlite {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  auto dir = std::filesystem::path(::testing::TempDir()) /
             ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::filesystem::create_directories(dir);
  std::filesystem::remove(dir / name);
  return (dir / name).string();
}

constexpr Migration kV1[] = {{1, "CREATE TABLE t (x INTEGER NOT NULL);"}};
constexpr Migration kV2[] = {{1, "CREATE TABLE t (x INTEGER NOT NULL);"},
                             {2, "ALTER TABLE t ADD COLUMN y TEXT;"}};

TEST(SqliteTest, MigratesStepByStepAndRefusesNewerSchema) {
  const std::string path = TempPath("m.db");
  {
    auto db = Database::Open(path, {.create = true});
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->Migrate(kV1).ok());
    EXPECT_EQ(*(*db)->SchemaVersion(), 1);
  }
  {
    auto db = Database::Open(path, {});
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Migrate(kV2).ok());
    EXPECT_EQ(*(*db)->SchemaVersion(), 2);
    EXPECT_TRUE((*db)->Exec("INSERT INTO t (x, y) VALUES (1, 'a')").ok());
  }
  auto db = Database::Open(path, {});
  ASSERT_TRUE(db.ok());
  absl::Status s = (*db)->Migrate(kV1);
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("schema version 2 is newer"));
}

TEST(SqliteTest, TransactionRollsBackUnlessCommitted) {
  auto db = Database::Open(TempPath("t.db"), {.create = true});
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Migrate(kV1).ok());
  {
    auto tx = (*db)->Begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO t (x) VALUES (1)").ok());
  }
  auto st = (*db)->Prepare("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(*(*st)->Step());
  EXPECT_EQ((*st)->ColumnInt64(0), 0);
}

TEST(SqliteTest, MissingFileWithoutCreateIsAnError) {
  auto db = Database::Open(TempPath("absent.db"), {});
  EXPECT_FALSE(db.ok());
}

TEST(SqliteTest, GarbageFileIsDataLoss) {
  const std::string path = TempPath("garbage.db");
  std::ofstream(path) << std::string(8192, 'x');
  auto db = Database::Open(path, {});
  absl::Status s = db.ok() ? (*db)->Migrate(kV1) : db.status();
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
}

TEST(SqliteTest, ConstraintViolationIsFailedPrecondition) {
  auto db = Database::Open(TempPath("c.db"), {.create = true});
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Migrate(kV1).ok());
  auto st = (*db)->Prepare("INSERT INTO t (x) VALUES (?1)");
  ASSERT_TRUE(st.ok());
  (*st)->BindNull(1);
  EXPECT_TRUE(absl::IsFailedPrecondition((*st)->Run()));
}

}  // namespace
}  // namespace fedlink::store::sqlite
