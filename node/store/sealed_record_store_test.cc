// The record store under a data key: records round-trip, nothing personal
// is in the file, and a ciphertext altered, truncated, moved to another row
// or swapped with another record's, or read under another key, is refused
// naming the row. A plaintext store is sealed on open, in one transaction.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "crypto/data_key.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/store/record_store.h"
#include "node/store/sqlite.h"

namespace fedlink::store {
namespace {

using ::testing::HasSubstr;

std::string TempDb() {
  auto dir =
      std::filesystem::path(::testing::TempDir()) /
      (std::string("sealed-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / "node.db").string();
}

record::Person Person(const std::string& id, const std::string& given) {
  record::Person p;
  p.external_id = id;
  p.role = record::Role::kSuspect;
  p.given_name = given;
  p.family_name = "Kovalenko";
  p.aliases = {"Tanechka"};
  p.dob = {1990, 5, 17};
  p.sex = record::Sex::kFemale;
  p.nationality = "UA";
  p.phones = {"+380441234567"};
  p.emails = {"tetiana.k@example.org"};
  p.documents = {"FX8812345"};
  p.consent = {"victim-dedup"};
  p.consent_expires_at = 1'900'000'000;
  p.labels = {"trafficked-2024"};
  p.officer = "inspector.moreau";
  p.language = "uk";
  return p;
}

// Every byte of the database and its WAL.
std::string FileBytes(const std::string& db) {
  std::string all;
  for (const std::string& path : {db, db + "-wal", db + "-journal"}) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    all += ss.str();
  }
  return all;
}

class SealedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = TempDb();
    key_ = *crypto::DataKey::Generate();
    store_ = *OpenRecordStore(path_, {.create = true, .data_key = key_.get()});
    ASSERT_TRUE(store_->Upsert({Person("CASE-1", "Tetiana"), Person("CASE-2", "Olena")}).ok());
  }
  // Runs SQL on the file behind the store's back (an attacker with the disk).
  void Tamper(const std::string& sql, const std::string& blob = "") {
    auto db = sqlite::Database::Open(path_, {});
    ASSERT_TRUE(db.ok()) << db.status();
    auto st = (*db)->Prepare(sql);
    ASSERT_TRUE(st.ok()) << st.status();
    if (!blob.empty()) (*st)->BindBlob(1, blob);
    ASSERT_TRUE((*st)->Run().ok());
  }
  std::string PersonBlob(int64_t id) {
    auto db = sqlite::Database::Open(path_, {});
    auto st = *(*db)->Prepare("SELECT person FROM sealed_records WHERE id = ?1");
    st->Bind(1, id);
    EXPECT_TRUE(*st->Step());
    return st->ColumnBlob(0);
  }
  std::string path_;
  std::unique_ptr<crypto::DataKey> key_;
  std::unique_ptr<RecordStore> store_;
};

TEST_F(SealedStoreTest, RecordsRoundTripAndSearchByExternalId) {
  auto got = store_->Get("CASE-1");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, Person("CASE-1", "Tetiana"));
  auto counts = store_->Upsert({Person("CASE-1", "Tania")});
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->updated, 1u);
  EXPECT_EQ((*store_->Get("CASE-1"))->given_name, "Tania");
  EXPECT_EQ(*store_->Count(), 2u);
  EXPECT_EQ((*store_->CountByRole())[record::Role::kSuspect], 2u);
  EXPECT_TRUE(*store_->AnyConsentExpiresIn(1'800'000'000, 1'900'000'000));
  absl::flat_hash_set<std::string> changed;
  auto version =
      store_->ForEachSince(1, &changed, [](const record::Person&) { return absl::OkStatus(); });
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(changed, absl::flat_hash_set<std::string>({"CASE-1"}));
  EXPECT_TRUE(*store_->Delete("CASE-2"));
  EXPECT_FALSE(store_->Get("CASE-2")->has_value());
  ASSERT_TRUE(
      store_->ForEachSince(2, &changed, [](const record::Person&) { return absl::OkStatus(); })
          .ok());
  EXPECT_EQ(changed, absl::flat_hash_set<std::string>({"CASE-2"}));  // the tombstone
}

TEST_F(SealedStoreTest, NothingPersonalIsInTheFileOrItsWal) {
  ASSERT_TRUE(store_->Delete("CASE-2").ok());
  const std::string bytes = FileBytes(path_);
  ASSERT_GT(bytes.size(), 4096u);
  for (const char* value : {"Tetiana", "Olena", "Kovalenko", "Tanechka", "+380441234567",
                            "380441234567", "tetiana.k@example.org", "FX8812345",
                            "inspector.moreau", "trafficked-2024", "CASE-1", "CASE-2"}) {
    EXPECT_EQ(bytes.find(value), std::string::npos) << value;
  }
}

TEST_F(SealedStoreTest, AFlippedByteIsRefusedNamingTheRow) {
  std::string blob = PersonBlob(1);
  blob[blob.size() / 2] ^= 0x01;
  Tamper("UPDATE sealed_records SET person = ?1 WHERE id = 1", blob);
  auto got = store_->Get("CASE-1");
  ASSERT_TRUE(absl::IsDataLoss(got.status())) << got.status();
  EXPECT_THAT(got.status().message(), HasSubstr("records row 1"));
  EXPECT_THAT(got.status().message(), ::testing::Not(HasSubstr("Tetiana")));
  EXPECT_TRUE(absl::IsDataLoss(store_->LoadAll().status()));
}

TEST_F(SealedStoreTest, ATruncatedCiphertextIsRefused) {
  const std::string blob = PersonBlob(2);
  Tamper("UPDATE sealed_records SET person = ?1 WHERE id = 2", blob.substr(0, blob.size() - 1));
  EXPECT_TRUE(absl::IsDataLoss(store_->Get("CASE-2").status()));
  Tamper("UPDATE sealed_records SET person = ?1 WHERE id = 2", blob.substr(0, 20));
  EXPECT_TRUE(absl::IsDataLoss(store_->Get("CASE-2").status()));
}

TEST_F(SealedStoreTest, ACiphertextMovedToAnotherRowIsRefused) {
  Tamper("UPDATE sealed_records SET person = ?1 WHERE id = 2", PersonBlob(1));
  auto got = store_->Get("CASE-2");
  EXPECT_TRUE(absl::IsDataLoss(got.status())) << got.status();
  EXPECT_THAT(got.status().message(), HasSubstr("records row 2"));
}

TEST_F(SealedStoreTest, TwoRecordsSwappedAreRefused) {
  const std::string one = PersonBlob(1), two = PersonBlob(2);
  Tamper("UPDATE sealed_records SET person = ?1 WHERE id = 1", two);
  Tamper("UPDATE sealed_records SET person = ?1 WHERE id = 2", one);
  EXPECT_TRUE(absl::IsDataLoss(store_->Get("CASE-1").status()));
  EXPECT_TRUE(absl::IsDataLoss(store_->Get("CASE-2").status()));
  // Swapping the row keys instead (the lookup digests) is refused too: the
  // person inside names another row key.
  Tamper("UPDATE sealed_records SET person = ?1 WHERE id = 1", one);
  Tamper("UPDATE sealed_records SET person = ?1 WHERE id = 2", two);
  ASSERT_TRUE(store_->LoadAll().ok());
  Tamper("UPDATE sealed_records SET row_key = x'00' || row_key WHERE id = 1");
  Tamper(
      "UPDATE sealed_records SET row_key = (SELECT substr(row_key, 2) FROM sealed_records "
      "WHERE id = 1) || x'' WHERE id = 2");
  EXPECT_TRUE(absl::IsDataLoss(store_->LoadAll().status()));
}

TEST_F(SealedStoreTest, AChangeLogEntryMovedToAnotherRowIsRefused) {
  auto db = *sqlite::Database::Open(path_, {});
  auto st = *db->Prepare("SELECT external_id FROM sealed_changes ORDER BY row_key LIMIT 1");
  ASSERT_TRUE(*st->Step());
  const std::string first = st->ColumnBlob(0);
  st.reset();
  db.reset();
  Tamper(
      "UPDATE sealed_changes SET external_id = ?1 WHERE row_key = (SELECT MAX(row_key) FROM "
      "sealed_changes)",
      first);
  absl::flat_hash_set<std::string> changed;
  auto version =
      store_->ForEachSince(0, &changed, [](const record::Person&) { return absl::OkStatus(); });
  EXPECT_TRUE(absl::IsDataLoss(version.status())) << version.status();
}

TEST_F(SealedStoreTest, AnotherKeyOpensNothing) {
  store_.reset();
  auto other = *crypto::DataKey::Generate();
  auto store = OpenRecordStore(path_, {.data_key = other.get()});
  ASSERT_TRUE(store.ok()) << store.status();
  auto got = (*store)->Get("CASE-1");  // another digest: no such row
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  EXPECT_TRUE(absl::IsDataLoss((*store)->LoadAll().status()));
}

TEST_F(SealedStoreTest, WithoutTheKeyTheStoreIsRefused) {
  store_.reset();
  auto store = OpenRecordStore(path_, {});
  EXPECT_TRUE(absl::IsFailedPrecondition(store.status())) << store.status();
}

TEST(SealedStoreMigrationTest, APlaintextStoreIsSealedOnOpenAndItsPlaintextIsGone) {
  const std::string path = TempDb();
  {
    auto plain = OpenRecordStore(path, {.create = true});
    ASSERT_TRUE(plain.ok());
    ASSERT_TRUE((*plain)->Upsert({Person("CASE-9", "Tetiana")}).ok());
    ASSERT_TRUE((*plain)->Delete("CASE-9").ok());  // a tombstone in the change log
    ASSERT_TRUE((*plain)->Upsert({Person("CASE-1", "Tetiana"), Person("CASE-2", "Olena")}).ok());
  }
  ASSERT_NE(FileBytes(path).find("Tetiana"), std::string::npos);
  auto key = *crypto::DataKey::Generate();
  uint64_t sealed = 0;
  auto store = OpenRecordStore(path, {.data_key = key.get(), .sealed_on_open = &sealed});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(sealed, 2u);
  EXPECT_EQ(**(*store)->Get("CASE-2"), Person("CASE-2", "Olena"));
  absl::flat_hash_set<std::string> changed;
  ASSERT_TRUE(
      (*store)
          ->ForEachSince(0, &changed, [](const record::Person&) { return absl::OkStatus(); })
          .ok());
  EXPECT_EQ(changed, absl::flat_hash_set<std::string>({"CASE-1", "CASE-2", "CASE-9"}));
  store->reset();
  const std::string bytes = FileBytes(path);
  for (const char* value : {"Tetiana", "Olena", "Kovalenko", "FX8812345", "CASE-9"}) {
    EXPECT_EQ(bytes.find(value), std::string::npos) << value;
  }
  // Opened again, nothing is left to seal.
  sealed = 7;
  ASSERT_TRUE(OpenRecordStore(path, {.data_key = key.get(), .sealed_on_open = &sealed}).ok());
  EXPECT_EQ(sealed, 0u);
}

// A large upsert is sealed over the cores in batches while one writer
// inserts: the rows keep the caller's order (ForEach is by id), duplicates
// and updates behave as one serial upsert, the change log names every id,
// and the sealed store holds what the plaintext store (a serial writer)
// holds for the same upserts.
TEST_F(SealedStoreTest, LargeUpsertKeepsOrderAndMatchesTheSerialStore) {
  std::vector<record::Person> batch;
  for (int i = 0; i < 10'000; ++i) {
    batch.push_back(Person(absl::StrCat("BULK-", 10'000 - i), absl::StrCat("Given", i)));
  }
  batch.push_back(Person("CASE-2", "Olena-updated"));  // an existing record
  batch.push_back(Person("BULK-5", "Repeated"));       // a repeat inside the batch
  const std::string plain_path = path_ + ".plain";
  auto plain = OpenRecordStore(plain_path, {.create = true});
  ASSERT_TRUE(plain.ok()) << plain.status();
  ASSERT_TRUE((*plain)->Upsert({Person("CASE-1", "Tetiana"), Person("CASE-2", "Olena")}).ok());

  auto sealed_counts = store_->Upsert(batch);
  auto plain_counts = (*plain)->Upsert(batch);
  ASSERT_TRUE(sealed_counts.ok()) << sealed_counts.status();
  ASSERT_TRUE(plain_counts.ok()) << plain_counts.status();
  EXPECT_EQ(sealed_counts->inserted, 10'000u);
  EXPECT_EQ(sealed_counts->inserted, plain_counts->inserted);
  EXPECT_EQ(sealed_counts->updated, plain_counts->updated);

  std::vector<record::Person> sealed_rows, plain_rows;
  absl::flat_hash_set<std::string> changed;
  auto version = store_->ForEachSince(1, &changed, [&](const record::Person& p) {
    sealed_rows.push_back(p);
    return absl::OkStatus();
  });
  ASSERT_TRUE(version.ok()) << version.status();
  ASSERT_TRUE((*plain)
                  ->ForEach([&](const record::Person& p) {
                    plain_rows.push_back(p);
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_EQ(sealed_rows.size(), 10'002u);
  EXPECT_EQ(sealed_rows, plain_rows);
  EXPECT_EQ(sealed_rows[0].external_id, "CASE-1");
  EXPECT_EQ(sealed_rows[1].given_name, "Olena-updated");
  EXPECT_EQ(sealed_rows[2].external_id, "BULK-10000");  // the caller's order
  EXPECT_EQ(sealed_rows.back().external_id, "BULK-1");
  EXPECT_EQ(changed.size(), 10'001u);  // every id of the batch, CASE-1 not
  EXPECT_TRUE(changed.contains("CASE-2"));
  EXPECT_FALSE(changed.contains("CASE-1"));
  auto repeated = store_->Get("BULK-5");
  ASSERT_TRUE(repeated.ok() && repeated->has_value());
  EXPECT_EQ((*repeated)->given_name, "Repeated");
}

// UpsertStream stores the batches of its source as one Upsert of all their
// records would (order, repeats replacing earlier records in place, counts
// of distinct ids), in both kinds of store; a source that fails after some
// batches were written leaves the store as it was.
TEST_F(SealedStoreTest, StreamedBatchesAreOneUpsertAndAFailingSourceWritesNothing) {
  std::vector<record::Person> all;
  for (int i = 0; i < 9'000; ++i) {
    all.push_back(Person(absl::StrCat("S-", (i * 7919) % 7'000), absl::StrCat("Given", i)));
  }
  all.push_back(Person("CASE-2", "Olena-updated"));
  const auto source = [&](size_t batch, size_t fail_at) {
    return [&all, batch, fail_at,
            from = size_t{0}](std::vector<record::Person>* out) mutable -> absl::StatusOr<bool> {
      if (from >= fail_at) return absl::InvalidArgumentError("in.csv:9999: dob: month 13");
      if (from >= all.size()) return false;
      const size_t n = std::min(batch, all.size() - from);
      out->assign(all.begin() + from, all.begin() + from + n);
      from += n;
      return true;
    };
  };
  const std::string plain_path = path_ + ".plain";
  auto plain = OpenRecordStore(plain_path, {.create = true});
  ASSERT_TRUE(plain.ok()) << plain.status();
  ASSERT_TRUE((*plain)->Upsert({Person("CASE-1", "Tetiana"), Person("CASE-2", "Olena")}).ok());
  for (RecordStore* store : {store_.get(), plain->get()}) {
    absl::flat_hash_set<std::string> changed;
    auto version =
        store->ForEachSince(0, &changed, [](const record::Person&) { return absl::OkStatus(); });
    ASSERT_TRUE(version.ok());
    auto failed = store->UpsertStream(source(1'000, 5'000));  // five batches written first
    EXPECT_THAT(failed.status().message(), HasSubstr("in.csv:9999"));
    EXPECT_EQ(*store->Count(), 2u);
    auto after =
        store->ForEachSince(0, &changed, [](const record::Person&) { return absl::OkStatus(); });
    EXPECT_EQ(*after, *version);
    EXPECT_EQ(changed.size(), 2u);
  }
  const std::string reference_path = path_ + ".reference";
  auto reference = OpenRecordStore(reference_path, {.create = true, .data_key = key_.get()});
  ASSERT_TRUE(reference.ok());
  ASSERT_TRUE((*reference)->Upsert({Person("CASE-1", "Tetiana"), Person("CASE-2", "Olena")}).ok());
  auto expected_counts = (*reference)->Upsert(all);
  ASSERT_TRUE(expected_counts.ok());
  EXPECT_EQ(expected_counts->inserted, 7'000u);
  EXPECT_EQ(expected_counts->updated, 1u);  // CASE-2; repeats inside are not updates
  auto expected = (*reference)->LoadAll();
  for (RecordStore* store : {store_.get(), plain->get()}) {
    auto counts = store->UpsertStream(source(777, SIZE_MAX));
    ASSERT_TRUE(counts.ok()) << counts.status();
    EXPECT_EQ(counts->inserted, expected_counts->inserted);
    EXPECT_EQ(counts->updated, expected_counts->updated);
    EXPECT_EQ(*store->LoadAll(), *expected);
    absl::flat_hash_set<std::string> changed;
    ASSERT_TRUE(
        store->ForEachSince(1, &changed, [](const record::Person&) { return absl::OkStatus(); })
            .ok());
    EXPECT_EQ(changed.size(), 7'001u);
  }
  EXPECT_EQ((*expected)[2].external_id, "S-0");
  EXPECT_EQ((*expected)[2].given_name, "Given7000");  // the repeat, in the first one's place
}

// Above 65,536 records the change log's row keys are ordered by a counting
// sort on their first bytes: every id is logged once, and repeats (which
// must land next to each other) are counted once.
TEST_F(SealedStoreTest, ALargeChangeLogNamesEveryIdOnceAndCountsRepeatsOnce) {
  std::vector<record::Person> all;
  for (int i = 0; i < 70'000; ++i) all.push_back(Person(absl::StrCat("L-", i), "G"));
  for (int i = 0; i < 3'000; ++i) all.push_back(Person(absl::StrCat("L-", i * 23), "Again"));
  all.push_back(Person("CASE-1", "Tetiana-updated"));
  auto counts = store_->Upsert(all);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->inserted, 70'000u);
  EXPECT_EQ(counts->updated, 1u);
  absl::flat_hash_set<std::string> changed;
  ASSERT_TRUE(
      store_->ForEachSince(1, &changed, [](const record::Person&) { return absl::OkStatus(); })
          .ok());
  EXPECT_EQ(changed.size(), 70'001u);
  EXPECT_TRUE(changed.contains("L-69999"));
  EXPECT_FALSE(changed.contains("CASE-2"));
  auto again = store_->Get("L-46");
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->given_name, "Again");
}

}  // namespace
}  // namespace fedlink::store
