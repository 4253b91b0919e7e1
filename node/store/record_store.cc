#include "node/store/record_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/store/sqlite.h"

namespace fedlink {
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
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
-- Multi-valued fields: one row per value, in input order.
CREATE TABLE record_values (
  record_id INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
  kind INTEGER NOT NULL,
  ord INTEGER NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (record_id, kind, ord)
) WITHOUT ROWID;
)sql"},
};

// record_values.kind. Stored on disk: never renumber.
enum ValueKind : int64_t {
  kAlias = 1,
  kPhone = 2,
  kEmail = 3,
  kDocument = 4,
  kHandle = 5,
  kIban = 6,
  kPlate = 7,
  kAddress = 8,
  kConsent = 9,
  kLabel = 10,
};

template <typename Fn>
void ForEachMultiValue(const Person& p, Fn fn) {
  fn(kAlias, p.aliases);
  fn(kPhone, p.phones);
  fn(kEmail, p.emails);
  fn(kDocument, p.documents);
  fn(kHandle, p.handles);
  fn(kIban, p.ibans);
  fn(kPlate, p.plates);
  fn(kAddress, p.addresses);
  fn(kConsent, p.consent);
  fn(kLabel, p.labels);
}

std::vector<std::string>* MultiValueField(Person& p, int64_t kind) {
  switch (kind) {
    case kAlias:
      return &p.aliases;
    case kPhone:
      return &p.phones;
    case kEmail:
      return &p.emails;
    case kDocument:
      return &p.documents;
    case kHandle:
      return &p.handles;
    case kIban:
      return &p.ibans;
    case kPlate:
      return &p.plates;
    case kAddress:
      return &p.addresses;
    case kConsent:
      return &p.consent;
    case kLabel:
      return &p.labels;
    default:
      return nullptr;
  }
}

constexpr char kSelectColumns[] =
    "id, external_id, role, given_name, family_name, dob_year, dob_month, "
    "dob_day, sex, "
    "nationality, officer, consent_expires_at";

Person PersonFromRow(const sqlite::Statement& st) {
  Person p;
  p.external_id = st.ColumnText(1);
  p.role = static_cast<Role>(st.ColumnInt64(2));
  p.given_name = st.ColumnText(3);
  p.family_name = st.ColumnText(4);
  p.dob = PartialDate{static_cast<int>(st.ColumnInt64(5)),
                      static_cast<int>(st.ColumnInt64(6)),
                      static_cast<int>(st.ColumnInt64(7))};
  p.sex = static_cast<Sex>(st.ColumnInt64(8));
  p.nationality = st.ColumnText(9);
  p.officer = st.ColumnText(10);
  p.consent_expires_at = st.ColumnInt64(11);
  return p;
}

class SqliteRecordStore : public RecordStore {
 public:
  SqliteRecordStore(std::unique_ptr<sqlite::Database> db, Clock* clock,
                    int version)
      : db_(std::move(db)), clock_(clock), version_(version) {}

  absl::Status Prepare() {
    auto prep = [&](std::unique_ptr<sqlite::Statement>* out,
                    absl::string_view sql) {
      auto st = db_->Prepare(sql);
      if (!st.ok()) return st.status();
      *out = *std::move(st);
      return absl::OkStatus();
    };
    if (auto s = prep(
            &upsert_,
            "INSERT INTO records (external_id, role, given_name, family_name, "
            "dob_year, dob_month, dob_day, sex, nationality, officer, "
            "consent_expires_at, created_at, updated_at) "
            "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?12) "
            "ON CONFLICT(external_id) DO UPDATE SET role=?2, given_name=?3, "
            "family_name=?4, dob_year=?5, dob_month=?6, dob_day=?7, sex=?8, "
            "nationality=?9, officer=?10, consent_expires_at=?11, "
            "updated_at=?12 "
            "RETURNING id");
        !s.ok()) {
      return s;
    }
    if (auto s = prep(&delete_values_,
                      "DELETE FROM record_values WHERE record_id = ?1");
        !s.ok()) {
      return s;
    }
    if (auto s = prep(&insert_value_,
                      "INSERT INTO record_values (record_id, kind, ord, value) "
                      "VALUES (?1, ?2, ?3, ?4)");
        !s.ok()) {
      return s;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<UpsertCounts> Upsert(
      absl::Span<const Person> persons) override {
    absl::MutexLock lock(&mu_);
    UpsertCounts counts;
    auto tx = db_->Begin();
    if (!tx.ok()) return tx.status();
    const int64_t now = absl::ToUnixSeconds(clock_->Now());
    absl::StatusOr<uint64_t> before = CountLocked();
    if (!before.ok()) return before.status();
    for (const Person& p : persons) {
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
          .Bind(12, now);
      absl::StatusOr<bool> row = upsert_->Step();
      if (!row.ok()) return row.status();
      const int64_t id = upsert_->ColumnInt64(0);
      upsert_->Reset();
      delete_values_->Bind(1, id);
      if (auto s = delete_values_->Run(); !s.ok()) return s;
      absl::Status status;
      ForEachMultiValue(
          p, [&](int64_t kind, const std::vector<std::string>& values) {
            for (size_t i = 0; i < values.size() && status.ok(); ++i) {
              insert_value_->Bind(1, id)
                  .Bind(2, kind)
                  .Bind(3, static_cast<int64_t>(i))
                  .Bind(4, values[i]);
              status = insert_value_->Run();
            }
          });
      if (!status.ok()) return status;
    }
    absl::StatusOr<uint64_t> after = CountLocked();
    if (!after.ok()) return after.status();
    if (auto s = (*tx)->Commit(); !s.ok()) return s;
    counts.inserted = *after - *before;
    counts.updated = persons.size() - counts.inserted;
    return counts;
  }

  absl::StatusOr<std::optional<Person>> Get(
      absl::string_view external_id) override {
    absl::MutexLock lock(&mu_);
    auto st = db_->Prepare(absl::StrCat(
        "SELECT ", kSelectColumns, " FROM records WHERE external_id = ?1"));
    if (!st.ok()) return st.status();
    (*st)->Bind(1, external_id);
    absl::StatusOr<bool> row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return std::nullopt;
    Person p = PersonFromRow(**st);
    const int64_t id = (*st)->ColumnInt64(0);
    auto values = db_->Prepare(
        "SELECT kind, value FROM record_values WHERE record_id = ?1 ORDER BY "
        "kind, ord");
    if (!values.ok()) return values.status();
    (*values)->Bind(1, id);
    while (true) {
      absl::StatusOr<bool> v = (*values)->Step();
      if (!v.ok()) return v.status();
      if (!*v) break;
      if (auto* field = MultiValueField(p, (*values)->ColumnInt64(0))) {
        field->push_back((*values)->ColumnText(1));
      }
    }
    return p;
  }

  absl::StatusOr<bool> Delete(absl::string_view external_id) override {
    absl::MutexLock lock(&mu_);
    auto tx = db_->Begin();
    if (!tx.ok()) return tx.status();
    auto st =
        db_->Prepare("DELETE FROM records WHERE external_id = ?1 RETURNING id");
    if (!st.ok()) return st.status();
    (*st)->Bind(1, external_id);
    absl::StatusOr<bool> row = (*st)->Step();
    if (!row.ok()) return row.status();
    const bool deleted = *row;
    st->reset();
    if (auto s = (*tx)->Commit(); !s.ok()) return s;
    return deleted;
  }

  absl::StatusOr<uint64_t> Count() override {
    absl::MutexLock lock(&mu_);
    return CountLocked();
  }

  absl::StatusOr<uint64_t> CountLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto st = db_->Prepare("SELECT COUNT(*) FROM records");
    if (!st.ok()) return st.status();
    absl::StatusOr<bool> row = (*st)->Step();
    if (!row.ok()) return row.status();
    return static_cast<uint64_t>((*st)->ColumnInt64(0));
  }

  absl::StatusOr<std::map<Role, uint64_t>> CountByRole() override {
    absl::MutexLock lock(&mu_);
    auto st = db_->Prepare("SELECT role, COUNT(*) FROM records GROUP BY role");
    if (!st.ok()) return st.status();
    std::map<Role, uint64_t> out;
    while (true) {
      absl::StatusOr<bool> row = (*st)->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      out[static_cast<Role>((*st)->ColumnInt64(0))] =
          static_cast<uint64_t>((*st)->ColumnInt64(1));
    }
    return out;
  }

  absl::Status ForEach(
      const std::function<absl::Status(const Person&)>& fn) override {
    absl::MutexLock lock(&mu_);
    // A read transaction gives one consistent snapshot for both queries.
    if (auto s = db_->Exec("BEGIN"); !s.ok()) return s;
    absl::Status status = ForEachLocked(fn);
    db_->Exec("COMMIT").IgnoreError();
    return status;
  }

  int schema_version() const override { return version_; }

 private:
  absl::Status ForEachLocked(
      const std::function<absl::Status(const Person&)>& fn)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    // Merge-join records and values, both ordered by record id.
    auto records = db_->Prepare(
        absl::StrCat("SELECT ", kSelectColumns, " FROM records ORDER BY id"));
    if (!records.ok()) return records.status();
    auto values = db_->Prepare(
        "SELECT record_id, kind, value FROM record_values ORDER BY record_id, "
        "kind, ord");
    if (!values.ok()) return values.status();
    absl::StatusOr<bool> have_value = (*values)->Step();
    if (!have_value.ok()) return have_value.status();
    while (true) {
      absl::StatusOr<bool> row = (*records)->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      Person p = PersonFromRow(**records);
      const int64_t id = (*records)->ColumnInt64(0);
      while (*have_value && (*values)->ColumnInt64(0) <= id) {
        if ((*values)->ColumnInt64(0) == id) {
          if (auto* field = MultiValueField(p, (*values)->ColumnInt64(1))) {
            field->push_back((*values)->ColumnText(2));
          }
        }
        have_value = (*values)->Step();
        if (!have_value.ok()) return have_value.status();
      }
      if (absl::Status s = fn(p); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Mutex mu_;
  std::unique_ptr<sqlite::Database> db_ ABSL_GUARDED_BY(mu_);
  Clock* clock_;
  const int version_;
  std::unique_ptr<sqlite::Statement> upsert_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<sqlite::Statement> delete_values_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<sqlite::Statement> insert_value_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::vector<Person>> RecordStore::LoadAll() {
  std::vector<Person> out;
  absl::Status s = ForEach([&](const Person& p) {
    out.push_back(p);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

int RecordStoreSchemaVersion() { return std::size(kMigrations); }

absl::StatusOr<std::unique_ptr<RecordStore>> OpenRecordStore(
    const std::string& path, const RecordStoreOptions& options) {
  auto db = sqlite::Database::Open(path, {.create = options.create});
  if (!db.ok()) return db.status();
  if (auto s = (*db)->Migrate(kMigrations); !s.ok()) return s;
  auto version = (*db)->SchemaVersion();
  if (!version.ok()) return version.status();
  auto store = std::make_unique<SqliteRecordStore>(
      *std::move(db), options.clock ? options.clock : Clock::Real(), *version);
  if (auto s = store->Prepare(); !s.ok()) return s;
  return store;
}

}  // namespace fedlink
