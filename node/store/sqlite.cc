#include "node/store/sqlite.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"

namespace fedlink::store::sqlite {
namespace {

absl::Status StatusFor(int code, absl::string_view message) {
  switch (code & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    case SQLITE_CONSTRAINT:
      return absl::FailedPreconditionError(message);
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int index, absl::string_view text) {
  int rc =
      sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = db_->Error("bind");
  return *this;
}

Statement& Statement::BindBlob(int index, absl::string_view bytes) {
  int rc = sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()),
                             SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = db_->Error("bind");
  return *this;
}

Statement& Statement::BindBlobUnowned(int index, absl::string_view bytes) {
  int rc =
      sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  if (rc != SQLITE_OK && bind_status_.ok()) bind_status_ = db_->Error("bind");
  return *this;
}

Statement& Statement::Bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK && bind_status_.ok()) {
    bind_status_ = db_->Error("bind");
  }
  return *this;
}

Statement& Statement::BindNull(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK && bind_status_.ok()) {
    bind_status_ = db_->Error("bind");
  }
  return *this;
}

absl::StatusOr<bool> Statement::Step() {
  RETURN_IF_ERROR(bind_status_);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error("step");
}

absl::Status Statement::Run() {
  RETURN_IF_ERROR(Step());
  Reset();
  return absl::OkStatus();
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_status_ = absl::OkStatus();
}

int64_t Statement::ColumnInt64(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Statement::ColumnText(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  if (text == nullptr) return "";
  return std::string(text, sqlite3_column_bytes(stmt_, index));
}

std::string Statement::ColumnBlob(int index) const {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, index));
  if (data == nullptr) return "";
  return std::string(data, sqlite3_column_bytes(stmt_, index));
}

bool Statement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                         const OpenOptions& options) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options.create) {
    flags |= SQLITE_OPEN_CREATE;
    // SQLite would create the file 0644 (less the umask); create it 0600
    // first. Its -wal, -shm and -journal files take the database's mode.
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) close(fd);
  }
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    return StatusFor(rc, absl::StrCat(path, ": cannot open database: ", msg));
  }
  std::unique_ptr<Database> db(new Database(raw, path));
  sqlite3_busy_timeout(raw, 5000);
  sqlite3_extended_result_codes(raw, 1);
  // Reading the schema detects a file that is not a database at all.
  RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL"));
  RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys=ON"));
  // Deleted content is overwritten with zeros, and sorts and temporary
  // tables stay in memory: nothing that was in a row lingers in free pages
  // or reaches a temporary file (docs/security.md, "Data at rest").
  RETURN_IF_ERROR(db->Exec("PRAGMA secure_delete=ON"));
  RETURN_IF_ERROR(db->Exec("PRAGMA temp_store=MEMORY"));
  // 64 MiB page cache: large imports and scans stay in memory.
  RETURN_IF_ERROR(db->Exec("PRAGMA cache_size=-65536"));
  RETURN_IF_ERROR(
      db->Exec(options.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"));
  return db;
}

Database::~Database() { sqlite3_close_v2(db_); }

absl::Status Database::Error(absl::string_view what) const {
  return StatusFor(sqlite3_extended_errcode(db_),
                   absl::StrCat(path_, ": ", what, ": ", sqlite3_errmsg(db_)));
}

absl::Status Database::Exec(absl::string_view sql) {
  std::string owned(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return StatusFor(rc, absl::StrCat(path_, ": ", msg));
  }
  return absl::OkStatus();
}

absl::Status Database::CopyTo(const std::string& path) {
  ASSIGN_OR_RETURN(auto st, Prepare("VACUUM INTO ?1"));
  st->Bind(1, path);
  return st->Run();
}

absl::StatusOr<std::unique_ptr<Statement>> Database::Prepare(absl::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return Error("prepare");
  return std::unique_ptr<Statement>(new Statement(this, stmt));
}

absl::StatusOr<int> Database::SchemaVersion() {
  ASSIGN_OR_RETURN(std::unique_ptr<Statement> st, Prepare("PRAGMA user_version"));
  RETURN_IF_ERROR(st->Step());
  return static_cast<int>(st->ColumnInt64(0));
}

absl::Status Database::Migrate(absl::Span<const Migration> migrations) {
  ASSIGN_OR_RETURN(const int current, SchemaVersion());
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  if (current > newest) {
    return absl::FailedPreconditionError(absl::StrCat(
        path_, ": database schema version ", current, " is newer than this fedlink supports (",
        newest, "); upgrade fedlink or restore a matching backup"));
  }
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    ASSIGN_OR_RETURN(std::unique_ptr<Transaction> tx, Begin());
    RETURN_IF_ERROR(Exec(m.sql));
    RETURN_IF_ERROR(Exec(absl::StrCat("PRAGMA user_version=", m.version)));
    RETURN_IF_ERROR(tx->Commit());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Database::Transaction>> Database::Begin() {
  RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  return std::unique_ptr<Transaction>(new Transaction(this));
}

Database::Transaction::~Transaction() {
  if (!done_) db_->Exec("ROLLBACK").IgnoreError();
}

absl::Status Database::Transaction::Commit() {
  absl::Status s = db_->Exec("COMMIT");
  if (s.ok()) done_ = true;
  return s;
}

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

}  // namespace fedlink::store::sqlite
