#include "node/store/record_store.h"

#include <sodium.h>

#include <algorithm>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/common/parallel_for.h"
#include "node/common/status_macros.h"
#include "node/store/person_codec.h"
#include "node/store/sqlite.h"
#include "node/store/value_list.h"

namespace fedlink::store {
namespace {

// Schema history. Append a migration for every change; never edit one that
// has shipped.
constexpr sqlite::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE records (
  id INTEGER PRIMARY KEY,
  external_id TEXT NOT NULL UNIQUE,
  role INTEGER NOT NULL,
  given_name TEXT NOT NULL,
  family_name TEXT NOT NULL,
  dob_year INTEGER NOT NULL,
  dob_month INTEGER NOT NULL,
  dob_day INTEGER NOT NULL,
  sex INTEGER NOT NULL,
  nationality TEXT NOT NULL,
  officer TEXT NOT NULL,
  consent_expires_at INTEGER NOT NULL,
  -- Multi-valued fields, each a list encoded by EncodeList (value_list.h).
  aliases BLOB NOT NULL,
  phones BLOB NOT NULL,
  emails BLOB NOT NULL,
  documents BLOB NOT NULL,
  handles BLOB NOT NULL,
  ibans BLOB NOT NULL,
  plates BLOB NOT NULL,
  addresses BLOB NOT NULL,
  consent BLOB NOT NULL,
  labels BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
)sql"},
    // The change log behind tag-table deltas: the store's version counts
    // write transactions; each external id keeps the version of its last
    // upsert or deletion (deletions stay as tombstones).
    {2, R"sql(
CREATE TABLE store_version (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  version INTEGER NOT NULL
);
INSERT INTO store_version (one, version) VALUES (1, 0);
CREATE TABLE record_changes (
  external_id TEXT PRIMARY KEY,
  version INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX record_changes_by_version ON record_changes (version);
INSERT INTO record_changes (external_id, version) SELECT external_id, 0 FROM records;
-- Consents that expire re-key the responder (AnyConsentExpiresIn).
CREATE INDEX records_by_consent_expiry ON records (consent_expires_at);
)sql"},
    // Records sealed under the node's data key (crypto/data_key.h): the
    // whole person in one XChaCha20-Poly1305 ciphertext bound to its row
    // key, the keyed digest of its external id, which is what upserts and
    // the change log search by. Only the consent expiry (a time, for the
    // re-keying check) and row times stay in the clear. A node with a data
    // key keeps `records` and `record_changes` empty.
    {3, R"sql(
CREATE TABLE sealed_records (
  id INTEGER PRIMARY KEY,
  row_key BLOB NOT NULL UNIQUE,
  consent_expires_at INTEGER NOT NULL,
  person BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX sealed_records_by_consent_expiry ON sealed_records (consent_expires_at);
CREATE TABLE sealed_changes (
  row_key BLOB PRIMARY KEY,
  external_id BLOB NOT NULL,
  version INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sealed_changes_by_version ON sealed_changes (version);
)sql"},
    // The language the person reads (a node without a data key; a sealed
    // record keeps it in its ciphertext, person_codec.h).
    {4, R"sql(
ALTER TABLE records ADD COLUMN language TEXT NOT NULL DEFAULT '';
)sql"},
};

// Places (associated data) of the sealed values; the format version is the
// last part of each.
constexpr char kSealedTable[] = "records";
constexpr char kPersonColumn[] = "person";
constexpr char kChangesTable[] = "record_changes";
constexpr char kExternalIdColumn[] = "external_id";
constexpr uint32_t kSealVersion = 1;
constexpr char kExternalIdDomain[] = "records.external_id";

constexpr char kLogSealedChange[] =
    "INSERT INTO sealed_changes (row_key, external_id, version) VALUES (?1, ?2, ?3) "
    "ON CONFLICT(row_key) DO UPDATE SET external_id = ?2, version = ?3";

constexpr char kSelectColumns[] =
    "id, external_id, role, given_name, family_name, dob_year, dob_month, "
    "dob_day, sex, "
    "nationality, officer, consent_expires_at, aliases, phones, emails, "
    "documents, handles, "
    "ibans, plates, addresses, consent, labels, language";

// The multi-valued fields in column order (columns 12..21 of kSelectColumns,
// parameters ?12..?21 of the upsert).
std::vector<std::string> record::Person::*const kListFields[] = {
    &record::Person::aliases,   &record::Person::phones,    &record::Person::emails,
    &record::Person::documents, &record::Person::handles,   &record::Person::ibans,
    &record::Person::plates,    &record::Person::addresses, &record::Person::consent,
    &record::Person::labels};

absl::StatusOr<record::Person> PersonFromRow(const sqlite::Statement& st) {
  record::Person p;
  p.external_id = st.ColumnText(1);
  p.role = static_cast<record::Role>(st.ColumnInt64(2));
  p.given_name = st.ColumnText(3);
  p.family_name = st.ColumnText(4);
  p.dob =
      record::PartialDate{static_cast<int>(st.ColumnInt64(5)), static_cast<int>(st.ColumnInt64(6)),
                          static_cast<int>(st.ColumnInt64(7))};
  p.sex = static_cast<record::Sex>(st.ColumnInt64(8));
  p.nationality = st.ColumnText(9);
  p.officer = st.ColumnText(10);
  p.consent_expires_at = st.ColumnInt64(11);
  p.language = st.ColumnText(22);
  for (int i = 0; i < 10; ++i) {
    if (!DecodeList(st.ColumnBlob(12 + i), &(p.*kListFields[i]))) {
      return absl::DataLossError(
          absl::StrCat("records row ", st.ColumnInt64(0), ": corrupt list column ", 12 + i));
    }
  }
  return p;
}

// The indices [0, n) ordered by key(i), as bytes. Row keys are uniform
// digests, so a large set is first placed by its first two bytes (a
// counting sort: one pass, no comparisons) and then each of the 65,536
// small buckets is sorted: this is on the writer's path, and a comparison
// sort of a million indirect keys took about a second of it.
std::vector<uint32_t> OrderByKey(size_t n, const std::function<absl::string_view(size_t)>& key) {
  std::vector<uint32_t> order(n);
  const auto by_key = [&](uint32_t a, uint32_t b) { return key(a) < key(b); };
  constexpr size_t kBuckets = size_t{1} << 16;
  if (n < kBuckets) {
    for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint32_t>(i);
    std::sort(order.begin(), order.end(), by_key);
    return order;
  }
  // A key's first two bytes, a missing byte as 0: a smaller bucket holds
  // only smaller keys.
  const auto bucket = [&](size_t i) {
    const absl::string_view k = key(i);
    const size_t hi = k.size() > 0 ? static_cast<uint8_t>(k[0]) : 0;
    const size_t lo = k.size() > 1 ? static_cast<uint8_t>(k[1]) : 0;
    return hi << 8 | lo;
  };
  std::vector<uint32_t> start(kBuckets + 1, 0);
  for (size_t i = 0; i < n; ++i) ++start[bucket(i) + 1];
  for (size_t b = 0; b < kBuckets; ++b) start[b + 1] += start[b];
  std::vector<uint32_t> fill(start.begin(), start.end() - 1);
  for (size_t i = 0; i < n; ++i) order[fill[bucket(i)]++] = static_cast<uint32_t>(i);
  for (size_t b = 0; b < kBuckets; ++b) {
    std::sort(order.begin() + start[b], order.begin() + start[b + 1], by_key);
  }
  return order;
}

class SqliteRecordStore : public RecordStore {
 public:
  SqliteRecordStore(std::unique_ptr<sqlite::Database> db, common::Clock* clock, int version,
                    const crypto::DataKey* key)
      : db_(std::move(db)), clock_(clock), version_(version), key_(key) {}

  absl::Status Prepare() {
    if (key_ != nullptr) {
      ASSIGN_OR_RETURN(upsert_,
                       db_->Prepare("INSERT INTO sealed_records (row_key, consent_expires_at, "
                                    "person, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) "
                                    "ON CONFLICT(row_key) DO UPDATE SET consent_expires_at=?2, "
                                    "person=?3, updated_at=?4"));
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(
        upsert_, db_->Prepare("INSERT INTO records (external_id, role, given_name, family_name, "
                              "dob_year, "
                              "dob_month, dob_day, sex, nationality, officer, consent_expires_at, "
                              "aliases, phones, "
                              "emails, documents, handles, ibans, plates, addresses, consent, "
                              "labels, created_at, "
                              "updated_at, language) VALUES "
                              "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,"
                              "?19,?20,?21,?22,?22,?23) "
                              "ON CONFLICT(external_id) DO UPDATE SET role=?2, given_name=?3, "
                              "family_name=?4, "
                              "dob_year=?5, dob_month=?6, dob_day=?7, sex=?8, nationality=?9, "
                              "officer=?10, "
                              "consent_expires_at=?11, aliases=?12, phones=?13, emails=?14, "
                              "documents=?15, "
                              "handles=?16, ibans=?17, plates=?18, addresses=?19, consent=?20, "
                              "labels=?21, "
                              "updated_at=?22, language=?23"));
    return absl::OkStatus();
  }

  absl::StatusOr<UpsertCounts> Upsert(absl::Span<const record::Person> persons) override {
    size_t from = 0;
    return UpsertBatches([&](Batch* batch) {
      if (from >= persons.size()) return false;
      batch->persons = persons.subspan(from, kSealBatch);
      from += batch->persons.size();
      return true;
    });
  }

  absl::StatusOr<UpsertCounts> UpsertStream(const PersonSource& next) override {
    return UpsertBatches([&](Batch* batch) -> absl::StatusOr<bool> {
      batch->owned.clear();
      ASSIGN_OR_RETURN(const bool more, next(&batch->owned));
      batch->persons = batch->owned;
      return more;
    });
  }

 private:
  // A record sealed for its row, made before the write: the row key, the
  // sealed person, and its external id sealed for the change log.
  struct SealedRow {
    std::string row_key;
    std::string person;
    std::string change_id;
  };

  // A run of records to write: the caller's (a slice of Upsert's span) or
  // owned (from UpsertStream's source), sealed before it is written.
  struct Batch {
    std::vector<record::Person> owned;
    absl::Span<const record::Person> persons;
    std::vector<SealedRow> sealed;
  };
  // Fills the next batch; false when there is none.
  using BatchMaker = std::function<absl::StatusOr<bool>(Batch*)>;

  // Upsert's slices of this many records: the next batch is made (read and
  // sealed) on another thread while the writer inserts this one, so
  // reading and sealing add little to the wall time.
  static constexpr size_t kSealBatch = 4096;

  // Upsert and UpsertStream: the batches `make` hands out, in one
  // transaction. The first error (of reading, sealing or writing, in the
  // batches' order) rolls it back.
  absl::StatusOr<UpsertCounts> UpsertBatches(const BatchMaker& make) {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(auto tx, db_->Begin());
    const int64_t now = absl::ToUnixSeconds(clock_->Now());
    ASSIGN_OR_RETURN(const uint64_t before, CountLocked());
    ASSIGN_OR_RETURN(const int64_t version, BumpVersionLocked());
    ASSIGN_OR_RETURN(const uint64_t distinct, key_ != nullptr
                                                  ? UpsertSealedLocked(make, now, version)
                                                  : UpsertPlainLocked(make, now, version));
    ASSIGN_OR_RETURN(const uint64_t after, CountLocked());
    RETURN_IF_ERROR(tx->Commit());
    UpsertCounts counts;
    counts.inserted = after - before;
    counts.updated = distinct - counts.inserted;
    return counts;
  }

  // The sealed half of UpsertBatches, inside its transaction; returns the
  // number of distinct external ids written. Rows are written in the order
  // given, so ids (the ForEach order) follow the caller's order, and a
  // repeated external id updates its row in place. The change log is keyed
  // by row key alone, so its entries (sealed with the records, on the
  // sealing threads) are written afterwards in row-key order, which turns
  // random B-tree inserts into appends on a fresh store.
  absl::StatusOr<uint64_t> UpsertSealedLocked(const BatchMaker& make, int64_t now, int64_t version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const int sealers = std::max(1, common::ResolveThreads(0) - 1);
    struct Change {
      std::string row_key, sealed_id;
    };
    std::vector<Change> changes;
    auto make_sealed = [&](Batch* batch) -> absl::StatusOr<bool> {
      ASSIGN_OR_RETURN(const bool more, make(batch));
      if (!more) return false;
      const absl::Span<const record::Person> persons = batch->persons;
      batch->sealed.resize(persons.size());
      RETURN_IF_ERROR(common::ParallelFor(persons.size(), sealers, 256, [&](size_t b, size_t e) {
        std::string encoded;
        for (size_t i = b; i < e; ++i) {
          const record::Person& p = persons[i];
          SealedRow& row = batch->sealed[i];
          row.row_key = RowKey(p.external_id);
          EncodePerson(p, &encoded);
          row.person = key_->sealing().Seal(encoded, PersonPlace(row.row_key));
          row.change_id = key_->sealing().Seal(p.external_id, ChangePlace(row.row_key));
        }
        sodium_memzero(encoded.data(), encoded.size());
        return absl::OkStatus();
      }));
      return true;
    };
    auto write = [&](Batch& batch) -> absl::Status {
      // The batch outlives each Run (which clears the bindings); on an
      // error the statement is reset before the batch goes.
      for (size_t i = 0; i < batch.sealed.size(); ++i) {
        SealedRow& row = batch.sealed[i];
        upsert_->BindBlobUnowned(1, row.row_key)
            .Bind(2, batch.persons[i].consent_expires_at)
            .BindBlobUnowned(3, row.person)
            .Bind(4, now);
        if (absl::Status s = upsert_->Run(); !s.ok()) {
          upsert_->Reset();
          return s;
        }
        changes.push_back({std::move(row.row_key), std::move(row.change_id)});
      }
      return absl::OkStatus();
    };
    RETURN_IF_ERROR(PipelineLocked(make_sealed, write));

    // The change log in row-key order (an order of indices: the entries
    // stay where they are).
    const std::vector<uint32_t> order = OrderByKey(
        changes.size(), [&](size_t i) -> absl::string_view { return changes[i].row_key; });
    if (log_change_ == nullptr) {
      ASSIGN_OR_RETURN(log_change_, db_->Prepare(kLogSealedChange));
    }
    uint64_t distinct = 0;
    for (size_t i = 0; i < order.size(); ++i) {
      const Change& c = changes[order[i]];
      if (i > 0 && changes[order[i - 1]].row_key == c.row_key) continue;
      ++distinct;
      log_change_->BindBlobUnowned(1, c.row_key).BindBlobUnowned(2, c.sealed_id).Bind(3, version);
      if (absl::Status s = log_change_->Run(); !s.ok()) {
        log_change_->Reset();
        return s;
      }
    }
    return distinct;
  }

  // The plaintext store's half of UpsertBatches (a node made before
  // encryption at rest), inside its transaction; returns the number of
  // distinct external ids written.
  absl::StatusOr<uint64_t> UpsertPlainLocked(const BatchMaker& make, int64_t now, int64_t version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    absl::flat_hash_set<std::string> ids;
    std::string encoded;
    Batch batch;
    while (true) {
      ASSIGN_OR_RETURN(const bool more, make(&batch));
      if (!more) break;
      for (const record::Person& p : batch.persons) {
        upsert_->Bind(1, p.external_id)
            .Bind(2, static_cast<int64_t>(p.role))
            .Bind(3, p.given_name)
            .Bind(4, p.family_name)
            .Bind(5, int64_t{p.dob.year})
            .Bind(6, int64_t{p.dob.month})
            .Bind(7, int64_t{p.dob.day})
            .Bind(8, static_cast<int64_t>(p.sex))
            .Bind(9, p.nationality)
            .Bind(10, p.officer)
            .Bind(11, p.consent_expires_at)
            .Bind(22, now)
            .Bind(23, p.language);
        for (int i = 0; i < 10; ++i) {
          EncodeList(p.*kListFields[i], &encoded);
          upsert_->BindBlob(12 + i, encoded);
        }
        RETURN_IF_ERROR(upsert_->Run());
        RETURN_IF_ERROR(LogChangeLocked(p.external_id, version));
        ids.insert(p.external_id);
      }
    }
    return ids.size();
  }

  // Runs make(&batch) on another thread while write(batch) writes the
  // previous batch on this one (the connection's thread), until make
  // returns false. The first error in the batches' order stops it.
  absl::Status PipelineLocked(const BatchMaker& make,
                              const std::function<absl::Status(Batch&)>& write) {
    Batch current, next;
    ASSIGN_OR_RETURN(bool more, make(&current));
    while (more) {
      absl::StatusOr<bool> made = false;
      std::thread maker([&] { made = make(&next); });
      absl::Status written = write(current);
      maker.join();
      RETURN_IF_ERROR(written);
      ASSIGN_OR_RETURN(more, made);
      std::swap(current, next);
    }
    return absl::OkStatus();
  }

 public:
  absl::StatusOr<std::optional<record::Person>> Get(absl::string_view external_id) override {
    absl::MutexLock lock(&mu_);
    if (key_ != nullptr) {
      ASSIGN_OR_RETURN(
          auto st,
          db_->Prepare("SELECT id, row_key, person FROM sealed_records WHERE row_key = ?1"));
      st->BindBlob(1, RowKey(external_id));
      ASSIGN_OR_RETURN(const bool row, st->Step());
      if (!row) return std::nullopt;
      ASSIGN_OR_RETURN(record::Person p, PersonFromSealedRow(*st));
      return p;
    }
    ASSIGN_OR_RETURN(auto st, db_->Prepare(absl::StrCat("SELECT ", kSelectColumns,
                                                        " FROM records WHERE external_id = ?1")));
    st->Bind(1, external_id);
    ASSIGN_OR_RETURN(const bool row, st->Step());
    if (!row) return std::nullopt;
    ASSIGN_OR_RETURN(record::Person p, PersonFromRow(*st));
    return p;
  }

  absl::StatusOr<bool> Delete(absl::string_view external_id) override {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(auto tx, db_->Begin());
    ASSIGN_OR_RETURN(auto st, db_->Prepare(key_ != nullptr ? "DELETE FROM sealed_records WHERE "
                                                             "row_key = ?1 RETURNING id"
                                                           : "DELETE FROM records WHERE "
                                                             "external_id = ?1 RETURNING id"));
    if (key_ != nullptr) {
      st->BindBlob(1, RowKey(external_id));
    } else {
      st->Bind(1, external_id);
    }
    ASSIGN_OR_RETURN(const bool deleted, st->Step());
    st.reset();
    if (deleted) {
      ASSIGN_OR_RETURN(const int64_t version, BumpVersionLocked());
      RETURN_IF_ERROR(LogChangeLocked(external_id, version));
    }
    RETURN_IF_ERROR(tx->Commit());
    return deleted;
  }

  absl::StatusOr<uint64_t> Count() override {
    absl::MutexLock lock(&mu_);
    return CountLocked();
  }

  absl::StatusOr<uint64_t> CountLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ASSIGN_OR_RETURN(auto st, db_->Prepare(key_ != nullptr ? "SELECT COUNT(*) FROM sealed_records"
                                                           : "SELECT COUNT(*) FROM records"));
    RETURN_IF_ERROR(st->Step());
    return static_cast<uint64_t>(st->ColumnInt64(0));
  }

  absl::StatusOr<std::map<record::Role, uint64_t>> CountByRole() override {
    if (key_ != nullptr) {  // roles are sealed: count them by opening every record
      std::map<record::Role, uint64_t> out;
      RETURN_IF_ERROR(ForEach([&](const record::Person& p) {
        ++out[p.role];
        return absl::OkStatus();
      }));
      return out;
    }
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT role, COUNT(*) FROM records GROUP BY role"));
    std::map<record::Role, uint64_t> out;
    while (true) {
      ASSIGN_OR_RETURN(const bool row, st->Step());
      if (!row) break;
      out[static_cast<record::Role>(st->ColumnInt64(0))] =
          static_cast<uint64_t>(st->ColumnInt64(1));
    }
    return out;
  }

  absl::Status ForEach(const std::function<absl::Status(const record::Person&)>& fn) override {
    absl::MutexLock lock(&mu_);
    // A read transaction gives one consistent snapshot for both queries.
    RETURN_IF_ERROR(db_->Exec("BEGIN"));
    absl::Status status = ForEachLocked(fn);
    db_->Exec("COMMIT").IgnoreError();
    return status;
  }

  absl::StatusOr<uint64_t> ForEachSince(
      uint64_t since, absl::flat_hash_set<std::string>* changed,
      const std::function<absl::Status(const record::Person&)>& fn) override {
    absl::MutexLock lock(&mu_);
    RETURN_IF_ERROR(db_->Exec("BEGIN"));
    absl::StatusOr<uint64_t> version = ChangesLocked(since, changed);
    absl::Status status = version.ok() ? ForEachLocked(fn) : version.status();
    db_->Exec("COMMIT").IgnoreError();
    RETURN_IF_ERROR(status);
    return version;
  }

  absl::StatusOr<bool> AnyConsentExpiresIn(int64_t after, int64_t until) override {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(auto st,
                     db_->Prepare(absl::StrCat(
                         "SELECT 1 FROM ", key_ != nullptr ? "sealed_records" : "records",
                         " WHERE consent_expires_at > ?1 AND consent_expires_at <= ?2 LIMIT 1")));
    st->Bind(1, after).Bind(2, until);
    return st->Step();
  }

  int schema_version() const override { return version_; }

 private:
  // The next store version, within the caller's write transaction.
  absl::StatusOr<int64_t> BumpVersionLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ASSIGN_OR_RETURN(
        auto st,
        db_->Prepare(
            "UPDATE store_version SET version = version + 1 WHERE one = 1 RETURNING version"));
    ASSIGN_OR_RETURN(const bool row, st->Step());
    if (!row) return absl::DataLossError("store_version row is missing");
    const int64_t version = st->ColumnInt64(0);
    st.reset();
    return version;
  }

  absl::Status LogChangeLocked(absl::string_view external_id, int64_t version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (key_ != nullptr) {
      if (log_change_ == nullptr) {
        ASSIGN_OR_RETURN(log_change_, db_->Prepare(kLogSealedChange));
      }
      const std::string row_key = RowKey(external_id);
      log_change_->BindBlob(1, row_key)
          .BindBlob(2, key_->sealing().Seal(external_id, ChangePlace(row_key)))
          .Bind(3, version);
      return log_change_->Run();
    }
    if (log_change_ == nullptr) {
      ASSIGN_OR_RETURN(
          log_change_,
          db_->Prepare("INSERT INTO record_changes (external_id, version) VALUES (?1, ?2) "
                       "ON CONFLICT(external_id) DO UPDATE SET version = ?2"));
    }
    log_change_->Bind(1, external_id).Bind(2, version);
    return log_change_->Run();
  }

  absl::StatusOr<uint64_t> ChangesLocked(uint64_t since, absl::flat_hash_set<std::string>* changed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ASSIGN_OR_RETURN(auto version, db_->Prepare("SELECT version FROM store_version WHERE one = 1"));
    ASSIGN_OR_RETURN(const bool row, version->Step());
    if (!row) return absl::DataLossError("store_version row is missing");
    const uint64_t current = static_cast<uint64_t>(version->ColumnInt64(0));
    if (changed == nullptr) return current;
    changed->clear();
    ASSIGN_OR_RETURN(
        auto st, db_->Prepare(key_ != nullptr ? "SELECT external_id, row_key FROM sealed_changes "
                                                "WHERE version > ?1"
                                              : "SELECT external_id FROM record_changes WHERE "
                                                "version > ?1"));
    st->Bind(1, static_cast<int64_t>(std::min<uint64_t>(since, INT64_MAX)));
    while (true) {
      ASSIGN_OR_RETURN(const bool r, st->Step());
      if (!r) break;
      if (key_ == nullptr) {
        changed->insert(st->ColumnText(0));
        continue;
      }
      const std::string row_key = st->ColumnBlob(1);
      auto id = key_->sealing().Open(st->ColumnBlob(0), ChangePlace(row_key));
      if (!id.ok() || RowKey(*id) != row_key) {
        return absl::DataLossError(absl::StrCat(
            db_->path(), ": record_changes row ", absl::BytesToHexString(row_key).substr(0, 16),
            ": external_id does not open (altered, moved from another row, or another key)"));
      }
      changed->insert(*std::move(id));
    }
    return current;
  }

  absl::Status ForEachLocked(const std::function<absl::Status(const record::Person&)>& fn)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ASSIGN_OR_RETURN(
        auto records,
        db_->Prepare(key_ != nullptr
                         ? "SELECT id, row_key, person FROM sealed_records ORDER BY id"
                         : absl::StrCat("SELECT ", kSelectColumns, " FROM records ORDER BY id")));
    while (true) {
      ASSIGN_OR_RETURN(const bool row, records->Step());
      if (!row) break;
      ASSIGN_OR_RETURN(const record::Person p,
                       key_ != nullptr ? PersonFromSealedRow(*records) : PersonFromRow(*records));
      RETURN_IF_ERROR(fn(p));
    }
    return absl::OkStatus();
  }

 public:
  // Converts the rows of a plaintext store (an older fedlink's, or one
  // opened without a key before) into sealed rows, in one transaction: a
  // crash leaves the old rows or the new ones. Deleted plaintext is
  // overwritten (secure_delete) and the WAL truncated afterwards.
  absl::StatusOr<uint64_t> SealPlaintextRows() {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(auto any, db_->Prepare("SELECT (SELECT COUNT(*) FROM records) + "
                                            "(SELECT COUNT(*) FROM record_changes)"));
    RETURN_IF_ERROR(any->Step());
    const int64_t rows = any->ColumnInt64(0);
    any.reset();
    if (rows == 0) return 0;
    ASSIGN_OR_RETURN(auto tx, db_->Begin());
    ASSIGN_OR_RETURN(auto read, db_->Prepare(absl::StrCat("SELECT ", kSelectColumns,
                                                          ", created_at, updated_at FROM records "
                                                          "ORDER BY id")));
    ASSIGN_OR_RETURN(auto write, db_->Prepare("INSERT INTO sealed_records (row_key, "
                                              "consent_expires_at, person, created_at, "
                                              "updated_at) VALUES (?1, ?2, ?3, ?4, ?5)"));
    std::string encoded;
    uint64_t sealed = 0;
    while (true) {
      ASSIGN_OR_RETURN(const bool row, read->Step());
      if (!row) break;
      ASSIGN_OR_RETURN(const record::Person p, PersonFromRow(*read));
      const std::string row_key = RowKey(p.external_id);
      EncodePerson(p, &encoded);
      write->BindBlob(1, row_key)
          .Bind(2, p.consent_expires_at)
          .BindBlob(3, key_->sealing().Seal(encoded, PersonPlace(row_key)))
          .Bind(4, read->ColumnInt64(22))
          .Bind(5, read->ColumnInt64(23));
      RETURN_IF_ERROR(write->Run());
      ++sealed;
    }
    read.reset();
    ASSIGN_OR_RETURN(auto changes, db_->Prepare("SELECT external_id, version FROM record_changes"));
    while (true) {
      ASSIGN_OR_RETURN(const bool row, changes->Step());
      if (!row) break;
      RETURN_IF_ERROR(LogChangeLocked(changes->ColumnText(0), changes->ColumnInt64(1)));
    }
    changes.reset();
    RETURN_IF_ERROR(db_->Exec("DELETE FROM records; DELETE FROM record_changes;"));
    RETURN_IF_ERROR(tx->Commit());
    // The plaintext pages are zeroed (secure_delete); rebuild the file and
    // empty the WAL, which held them before the checkpoint.
    RETURN_IF_ERROR(db_->Exec("VACUUM"));
    RETURN_IF_ERROR(db_->Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
    return sealed;
  }

  // A store opened without a key must not hold sealed records, and one
  // opened with a key must not keep any in the clear.
  absl::Status CheckMode() {
    absl::MutexLock lock(&mu_);
    if (key_ != nullptr) return absl::OkStatus();
    ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT EXISTS (SELECT 1 FROM sealed_records)"));
    RETURN_IF_ERROR(st->Step());
    if (st->ColumnInt64(0) != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          db_->path(), ": holds records sealed under a data key; open it with its key source"));
    }
    return absl::OkStatus();
  }

 private:
  std::string RowKey(absl::string_view external_id) const {
    return key_->LookupDigest(kExternalIdDomain, external_id);
  }
  static std::string PersonPlace(absl::string_view row_key) {
    return crypto::RowPlace(kSealedTable, row_key, kPersonColumn, kSealVersion);
  }
  static std::string ChangePlace(absl::string_view row_key) {
    return crypto::RowPlace(kChangesTable, row_key, kExternalIdColumn, kSealVersion);
  }

  // Columns: id, row_key, person. The row is refused unless its ciphertext
  // opens for this row's key and the person inside carries that key.
  absl::StatusOr<record::Person> PersonFromSealedRow(const sqlite::Statement& st) const {
    const std::string row_key = st.ColumnBlob(1);
    auto plain = key_->sealing().Open(st.ColumnBlob(2), PersonPlace(row_key));
    record::Person p;
    if (!plain.ok() || !DecodePerson(*plain, &p) || RowKey(p.external_id) != row_key) {
      return absl::DataLossError(absl::StrCat(db_->path(), ": records row ", st.ColumnInt64(0),
                                              ": does not open (truncated, altered, moved from "
                                              "another row, or another node's key)"));
    }
    return p;
  }

  absl::Mutex mu_;
  std::unique_ptr<sqlite::Database> db_ ABSL_GUARDED_BY(mu_);
  common::Clock* clock_;
  const int version_;
  const crypto::DataKey* key_;  // null: a plaintext store (an older node's)
  std::unique_ptr<sqlite::Statement> upsert_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<sqlite::Statement> log_change_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::vector<record::Person>> RecordStore::LoadAll() {
  std::vector<record::Person> out;
  RETURN_IF_ERROR(ForEach([&](const record::Person& p) {
    out.push_back(p);
    return absl::OkStatus();
  }));
  return out;
}

int RecordStoreSchemaVersion() { return std::size(kMigrations); }

absl::StatusOr<uint64_t> ResealRecordStore(
    const std::string& from, const std::string& to, const crypto::DataKey& current,
    const crypto::DataKey& next, const std::function<void(uint64_t, uint64_t)>& progress) {
  {
    // Migrated, and any plaintext left by an interrupted conversion sealed.
    ASSIGN_OR_RETURN(auto store, OpenRecordStore(from, {.data_key = &current}));
  }
  {
    ASSIGN_OR_RETURN(auto source, sqlite::Database::Open(from, {}));
    RETURN_IF_ERROR(source->CopyTo(to));
  }
  ASSIGN_OR_RETURN(auto db, sqlite::Database::Open(to, {}));
  const auto person_place = [](absl::string_view row_key) {
    return crypto::RowPlace(kSealedTable, row_key, kPersonColumn, kSealVersion);
  };
  const auto change_place = [](absl::string_view row_key) {
    return crypto::RowPlace(kChangesTable, row_key, kExternalIdColumn, kSealVersion);
  };
  const auto refused = [&](absl::string_view table, absl::string_view row) {
    return absl::DataLossError(absl::StrCat(from, ": ", table, " row ", row,
                                            ": does not open (truncated, altered, moved from "
                                            "another row, or another node's key)"));
  };
  ASSIGN_OR_RETURN(auto count, db->Prepare("SELECT COUNT(*) FROM sealed_records"));
  RETURN_IF_ERROR(count->Step());
  const uint64_t total = static_cast<uint64_t>(count->ColumnInt64(0));
  count.reset();
  ASSIGN_OR_RETURN(auto tx, db->Begin());
  // Read first, write after: row keys are unique and change.
  struct Row {
    int64_t id;
    std::string row_key, sealed;
  };
  std::vector<Row> rows;
  rows.reserve(total);
  {
    ASSIGN_OR_RETURN(auto read,
                     db->Prepare("SELECT id, row_key, person FROM sealed_records ORDER BY id"));
    while (true) {
      ASSIGN_OR_RETURN(const bool row, read->Step());
      if (!row) break;
      record::Person p;
      const std::string row_key = read->ColumnBlob(1);
      auto plain = current.sealing().Open(read->ColumnBlob(2), person_place(row_key));
      const bool ok = plain.ok() && DecodePerson(*plain, &p) &&
                      current.LookupDigest(kExternalIdDomain, p.external_id) == row_key;
      if (plain.ok()) sodium_memzero(plain->data(), plain->size());
      if (!ok) return refused("records", absl::StrCat(read->ColumnInt64(0)));
      Row r{read->ColumnInt64(0), next.LookupDigest(kExternalIdDomain, p.external_id), ""};
      std::string encoded;
      EncodePerson(p, &encoded);
      r.sealed = next.sealing().Seal(encoded, person_place(r.row_key));
      sodium_memzero(encoded.data(), encoded.size());
      rows.push_back(std::move(r));
      if (progress && rows.size() % 1000 == 0) progress(rows.size(), total);
    }
  }
  {
    ASSIGN_OR_RETURN(
        auto write,
        db->Prepare("UPDATE sealed_records SET row_key = ?1, person = ?2 WHERE id = ?3"));
    for (const Row& r : rows) {
      write->BindBlob(1, r.row_key).BindBlob(2, r.sealed).Bind(3, r.id);
      RETURN_IF_ERROR(write->Run());
    }
  }
  // The change log: external ids (also of deleted records) under new row keys.
  struct Change {
    std::string row_key, sealed;
    int64_t version;
  };
  std::vector<Change> changes;
  {
    ASSIGN_OR_RETURN(auto read, db->Prepare("SELECT row_key, external_id, version FROM "
                                            "sealed_changes"));
    while (true) {
      ASSIGN_OR_RETURN(const bool row, read->Step());
      if (!row) break;
      const std::string row_key = read->ColumnBlob(0);
      auto id = current.sealing().Open(read->ColumnBlob(1), change_place(row_key));
      if (!id.ok() || current.LookupDigest(kExternalIdDomain, *id) != row_key) {
        return refused("record_changes", absl::BytesToHexString(row_key).substr(0, 16));
      }
      Change c{next.LookupDigest(kExternalIdDomain, *id), "", read->ColumnInt64(2)};
      c.sealed = next.sealing().Seal(*id, change_place(c.row_key));
      sodium_memzero(id->data(), id->size());
      changes.push_back(std::move(c));
    }
  }
  RETURN_IF_ERROR(db->Exec("DELETE FROM sealed_changes"));
  {
    ASSIGN_OR_RETURN(auto write, db->Prepare("INSERT INTO sealed_changes (row_key, external_id, "
                                             "version) VALUES (?1, ?2, ?3)"));
    for (const Change& c : changes) {
      write->BindBlob(1, c.row_key).BindBlob(2, c.sealed).Bind(3, c.version);
      RETURN_IF_ERROR(write->Run());
    }
  }
  RETURN_IF_ERROR(tx->Commit());
  RETURN_IF_ERROR(db->Exec("VACUUM"));
  RETURN_IF_ERROR(db->Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  if (progress) progress(rows.size(), total);
  return rows.size();
}

absl::StatusOr<std::unique_ptr<RecordStore>> OpenRecordStore(const std::string& path,
                                                             const RecordStoreOptions& options) {
  ASSIGN_OR_RETURN(auto db, sqlite::Database::Open(path, {.create = options.create}));
  RETURN_IF_ERROR(db->Migrate(kMigrations));
  ASSIGN_OR_RETURN(const int version, db->SchemaVersion());
  auto store = std::make_unique<SqliteRecordStore>(
      std::move(db), options.clock ? options.clock : common::Clock::Real(), version,
      options.data_key);
  RETURN_IF_ERROR(store->CheckMode());
  if (options.data_key != nullptr) {
    ASSIGN_OR_RETURN(const uint64_t sealed, store->SealPlaintextRows());
    if (options.sealed_on_open != nullptr) *options.sealed_on_open = sealed;
  }
  RETURN_IF_ERROR(store->Prepare());
  return store;
}

}  // namespace fedlink::store
