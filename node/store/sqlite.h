// A thin RAII layer over SQLite: one Database per file, prepared statements
// only, transactions that roll back unless committed, and versioned
// migrations. Every SQLite error becomes an absl::Status naming the file and
// the operation (never a bound value, which may be personal data).
#ifndef FEDLINK_NODE_STORE_SQLITE_H_
#define FEDLINK_NODE_STORE_SQLITE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

struct sqlite3;
struct sqlite3_stmt;

namespace fedlink::store::sqlite {

class Database;

// A prepared statement. Bind indices are 1-based as in SQLite. Not
// thread-safe: use from one thread at a time (the owning Database's user
// serialises access).
class Statement {
 public:
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int index, absl::string_view text);
  Statement& BindBlob(int index, absl::string_view bytes);
  // BindBlob without copying: `bytes` must stay valid and unchanged until
  // the statement is reset (Run does on success; Reset). For bulk writes.
  Statement& BindBlobUnowned(int index, absl::string_view bytes);
  Statement& Bind(int index, int64_t value);
  Statement& BindNull(int index);

  // Steps once: true if a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Steps to completion, expecting no rows.
  absl::Status Run();
  // Resets for re-use and clears bindings.
  void Reset();

  int64_t ColumnInt64(int index) const;
  std::string ColumnText(int index) const;
  std::string ColumnBlob(int index) const;
  bool ColumnIsNull(int index) const;

 private:
  friend class Database;
  Statement(Database* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Database* db_;
  sqlite3_stmt* stmt_;
  absl::Status bind_status_;
};

struct Migration {
  int version;            // the schema version this step produces (1, 2, ...)
  absl::string_view sql;  // one or more statements
};

struct OpenOptions {
  bool create = false;            // create the file if it is missing
  bool synchronous_full = false;  // PRAGMA synchronous=FULL (else NORMAL; WAL either way)
};

// One SQLite connection in WAL mode with foreign keys on. Thread-compatible:
// callers serialise access (stores hold a mutex).
//
//   ASSIGN_OR_RETURN(auto db, Database::Open(path, {.create = true}));
//   ASSIGN_OR_RETURN(auto tx, db->Begin());
//   ... statements ...
//   RETURN_IF_ERROR(tx->Commit());
class Database {
 public:
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        const OpenOptions& options);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Executes SQL without parameters (schema, pragmas).
  absl::Status Exec(absl::string_view sql);
  // Prepares a statement. Statements are owned by the caller.
  absl::StatusOr<std::unique_ptr<Statement>> Prepare(absl::string_view sql);

  // Applies every migration whose version is above the file's user_version,
  // each in its own transaction. A file whose version is above the newest
  // migration is refused (FailedPrecondition): it was written by a newer
  // fedlink.
  absl::Status Migrate(absl::Span<const Migration> migrations);
  absl::StatusOr<int> SchemaVersion();

  // A transaction that rolls back on destruction unless committed.
  class Transaction {
   public:
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();
    absl::Status Commit();

   private:
    friend class Database;
    explicit Transaction(Database* db) : db_(db) {}
    Database* db_;
    bool done_ = false;
  };
  absl::StatusOr<std::unique_ptr<Transaction>> Begin();

  // Writes a compacted copy of the database, as of now, to a new file
  // `path` (VACUUM INTO: no free pages, so nothing deleted is carried over).
  absl::Status CopyTo(const std::string& path);

  int64_t LastInsertRowId() const;
  const std::string& path() const { return path_; }

  // Status for the last error on this connection, prefixed with `what`.
  absl::Status Error(absl::string_view what) const;

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

}  // namespace fedlink::store::sqlite

#endif  // FEDLINK_NODE_STORE_SQLITE_H_
