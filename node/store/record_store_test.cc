#include "node/store/record_store.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/store/sqlite.h"

namespace fedlink::store {
namespace {

using ::testing::ElementsAre;

std::string TempDb() {
  auto dir = std::filesystem::path(::testing::TempDir()) /
             ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / "node.db").string();
}

record::Person MakePerson(const std::string& id, record::Role role = record::Role::kVictim) {
  record::Person p;
  p.external_id = id;
  p.role = role;
  p.given_name = "Given " + id;
  p.family_name = "Family";
  p.aliases = {"a1", "a2"};
  p.dob = {1990, 5, 0};
  p.sex = record::Sex::kFemale;
  p.nationality = "UA";
  p.phones = {"+380441234567"};
  p.emails = {"x@example.org", "y@example.org"};
  p.documents = {"AB123"};
  p.handles = {"@h"};
  p.ibans = {"GB82WEST12345698765432"};
  p.plates = {"AB12CDE"};
  p.addresses = {"1 Main St"};
  p.consent = {"victim-dedup"};
  p.consent_expires_at = 1'900'000'000;
  p.labels = {"sensitive"};
  p.officer = "officer@example.org";
  p.language = "uk";
  return p;
}

TEST(RecordStoreTest, UpsertInsertsThenUpdatesWithoutDuplicating) {
  common::FakeClock clock;
  auto store = OpenRecordStore(TempDb(), {.create = true, .clock = &clock});
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<record::Person> first = {MakePerson("a"), MakePerson("b", record::Role::kSuspect)};
  auto c1 = (*store)->Upsert(first);
  ASSERT_TRUE(c1.ok()) << c1.status();
  EXPECT_EQ(c1->inserted, 2u);
  EXPECT_EQ(c1->updated, 0u);

  record::Person changed = MakePerson("a", record::Role::kWitness);
  changed.phones = {"+441234"};
  changed.aliases.clear();
  std::vector<record::Person> second = {changed, MakePerson("c")};
  auto c2 = (*store)->Upsert(second);  // same clock time: must still tell apart
  ASSERT_TRUE(c2.ok());
  EXPECT_EQ(c2->inserted, 1u);
  EXPECT_EQ(c2->updated, 1u);
  EXPECT_EQ(*(*store)->Count(), 3u);
  auto got = (*store)->Get("a");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, changed);
}

TEST(RecordStoreTest, RoundTripsEveryField) {
  auto store = OpenRecordStore(TempDb(), {.create = true});
  ASSERT_TRUE(store.ok());
  record::Person p = MakePerson("x");
  ASSERT_TRUE((*store)->Upsert({p}).ok());
  auto got = (*store)->Get("x");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, p);
  auto missing = (*store)->Get("nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST(RecordStoreTest, ForEachReturnsAllRecordsWithTheirValues) {
  auto store = OpenRecordStore(TempDb(), {.create = true});
  ASSERT_TRUE(store.ok());
  std::vector<record::Person> persons;
  for (int i = 0; i < 50; ++i) {
    record::Person p = MakePerson("id" + std::to_string(i));
    if (i % 3 == 0) p.phones.clear();  // gaps in the value join
    if (i % 5 == 0) p.emails = {"only@example.org"};
    persons.push_back(p);
  }
  ASSERT_TRUE((*store)->Upsert(persons).ok());
  auto all = (*store)->LoadAll();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), persons.size());
  for (size_t i = 0; i < persons.size(); ++i) EXPECT_EQ((*all)[i], persons[i]) << i;
}

TEST(RecordStoreTest, DeleteRemovesRecord) {
  auto store = OpenRecordStore(TempDb(), {.create = true});
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Upsert({MakePerson("a"), MakePerson("b")}).ok());
  EXPECT_TRUE(*(*store)->Delete("a"));
  EXPECT_FALSE(*(*store)->Delete("a"));
  EXPECT_EQ(*(*store)->Count(), 1u);
  EXPECT_FALSE((*store)->Get("a")->has_value());
  EXPECT_TRUE((*store)->Get("b")->has_value());
}

TEST(RecordStoreTest, CorruptListColumnIsDataLossNotACrash) {
  const std::string path = TempDb();
  {
    auto store = OpenRecordStore(path, {.create = true});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Upsert({MakePerson("a")}).ok());
  }
  {
    auto db = sqlite::Database::Open(path, {});
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("UPDATE records SET phones = x'7f41'").ok());
  }
  auto store = OpenRecordStore(path, {});
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE(absl::IsDataLoss((*store)->Get("a").status()));
  EXPECT_TRUE(absl::IsDataLoss((*store)->LoadAll().status()));
}

// Changes since a version: what a tag-table delta is built from.
absl::StatusOr<uint64_t> ChangedSince(RecordStore& store, uint64_t since,
                                      absl::flat_hash_set<std::string>* changed, size_t* seen) {
  *seen = 0;
  return store.ForEachSince(since, changed, [seen](const record::Person&) {
    ++*seen;
    return absl::OkStatus();
  });
}

TEST(RecordStoreTest, ForEachSinceNamesWhatChangedAfterAVersion) {
  auto store = OpenRecordStore(TempDb(), {.create = true});
  ASSERT_TRUE(store.ok());
  absl::flat_hash_set<std::string> changed;
  size_t seen = 0;
  auto v0 = ChangedSince(**store, 0, &changed, &seen);
  ASSERT_TRUE(v0.ok()) << v0.status();
  EXPECT_EQ(*v0, 0u);
  EXPECT_TRUE(changed.empty());

  ASSERT_TRUE((*store)->Upsert({MakePerson("a"), MakePerson("b")}).ok());
  auto v1 = ChangedSince(**store, *v0, &changed, &seen);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(*v1, 1u);  // one write transaction
  EXPECT_THAT(changed, ::testing::UnorderedElementsAre("a", "b"));
  EXPECT_EQ(seen, 2u);

  ASSERT_TRUE((*store)->Upsert({MakePerson("b", record::Role::kSuspect), MakePerson("c")}).ok());
  ASSERT_TRUE(*(*store)->Delete("a"));
  auto v3 = ChangedSince(**store, *v1, &changed, &seen);
  ASSERT_TRUE(v3.ok());
  EXPECT_EQ(*v3, 3u);
  EXPECT_THAT(changed, ::testing::UnorderedElementsAre("a", "b", "c"));  // a: deleted
  EXPECT_EQ(seen, 2u);

  // Nothing after the current version; a failed write changes no version.
  EXPECT_FALSE((*store)->Delete("nobody").value());
  auto same = ChangedSince(**store, *v3, &changed, &seen);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, *v3);
  EXPECT_TRUE(changed.empty());
}

TEST(RecordStoreTest, FindsConsentsExpiringInAnInterval) {
  auto store = OpenRecordStore(TempDb(), {.create = true});
  ASSERT_TRUE(store.ok());
  record::Person never = MakePerson("a");
  never.consent_expires_at = 0;  // no expiry
  record::Person later = MakePerson("b");
  later.consent_expires_at = 2000;
  ASSERT_TRUE((*store)->Upsert({never, later}).ok());
  EXPECT_FALSE(*(*store)->AnyConsentExpiresIn(0, 1999));
  EXPECT_TRUE(*(*store)->AnyConsentExpiresIn(1999, 2000));  // (after, until]
  EXPECT_FALSE(*(*store)->AnyConsentExpiresIn(2000, 5000));
}

TEST(RecordStoreTest, FailedUpsertChangesNothing) {
  const std::string path = TempDb();
  auto store = OpenRecordStore(path, {.create = true});
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Upsert({MakePerson("a")}).ok());
  {
    // A trigger that fails on the third insert makes the batch fail midway.
    auto db = sqlite::Database::Open(path, {});
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)
                    ->Exec("CREATE TRIGGER boom BEFORE INSERT ON records "
                           "WHEN NEW.external_id = 'c' BEGIN SELECT "
                           "RAISE(ABORT, 'x'); END")
                    .ok());
  }
  auto result =
      (*store)->Upsert({MakePerson("a", record::Role::kSuspect), MakePerson("b"), MakePerson("c")});
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(*(*store)->Count(), 1u);
  EXPECT_EQ((*(*store)->Get("a"))->role,
            record::Role::kVictim);  // update rolled back too
  absl::flat_hash_set<std::string> changed;
  auto version =
      (*store)->ForEachSince(1, &changed, [](const record::Person&) { return absl::OkStatus(); });
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 1u);  // the failed batch left no version and no change behind
  EXPECT_TRUE(changed.empty());
}

TEST(RecordStoreTest, CountsByRole) {
  auto store = OpenRecordStore(TempDb(), {.create = true});
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)
                  ->Upsert({MakePerson("a"), MakePerson("b", record::Role::kSuspect),
                            MakePerson("c", record::Role::kSuspect)})
                  .ok());
  auto by_role = (*store)->CountByRole();
  ASSERT_TRUE(by_role.ok());
  EXPECT_EQ((*by_role)[record::Role::kVictim], 1u);
  EXPECT_EQ((*by_role)[record::Role::kSuspect], 2u);
}

TEST(RecordStoreTest, ReopensWithSchemaVersion) {
  const std::string path = TempDb();
  { ASSERT_TRUE(OpenRecordStore(path, {.create = true}).ok()); }
  auto store = OpenRecordStore(path, {});
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->schema_version(), RecordStoreSchemaVersion());
}

TEST(RecordStoreTest, RefusesDatabaseFromNewerFedlink) {
  const std::string path = TempDb();
  { ASSERT_TRUE(OpenRecordStore(path, {.create = true}).ok()); }
  {
    auto db = sqlite::Database::Open(path, {});
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("PRAGMA user_version=99").ok());
  }
  auto store = OpenRecordStore(path, {});
  EXPECT_TRUE(absl::IsFailedPrecondition(store.status())) << store.status();
}

TEST(RecordStoreTest, MissingDatabaseIsAnErrorWithoutCreate) {
  EXPECT_FALSE(OpenRecordStore(TempDb(), {}).ok());
}

}  // namespace
}  // namespace fedlink::store
