#include "node/store/sqlite_snapshot.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include "absl/strings/str_cat.h"

namespace fedlink::store::sqlite {
namespace {

absl::Status Failed(sqlite3* db, const std::string& path, absl::string_view what) {
  return absl::InternalError(
      absl::StrCat(path, ": ", what, ": ", db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

absl::StatusOr<sqlite3*> OpenExisting(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    absl::Status s = absl::NotFoundError(absl::StrCat(path, ": cannot open the database"));
    sqlite3_close(db);
    return s;
  }
  sqlite3_busy_timeout(db, 10000);
  return db;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DatabaseSnapshot>> DatabaseSnapshot::Begin(
    const std::vector<std::string>& paths) {
  std::unique_ptr<DatabaseSnapshot> snapshot(new DatabaseSnapshot());
  for (const std::string& path : paths) {
    auto db = OpenExisting(path, SQLITE_OPEN_READWRITE);
    if (!db.ok()) return db.status();
    snapshot->paths_.push_back(path);
    snapshot->dbs_.push_back(*db);
    // A read transaction begins at the first read.
    if (sqlite3_exec(*db, "BEGIN; SELECT count(*) FROM sqlite_master;", nullptr, nullptr,
                     nullptr) != SQLITE_OK) {
      return Failed(*db, path, "cannot begin a read transaction");
    }
  }
  return snapshot;
}

DatabaseSnapshot::~DatabaseSnapshot() {
  for (sqlite3* db : dbs_) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close_v2(db);
  }
}

absl::Status DatabaseSnapshot::CopyTo(size_t index, const std::string& destination) {
  if (index >= dbs_.size()) return absl::InvalidArgumentError("no such database");
  struct stat st;
  if (lstat(destination.c_str(), &st) == 0) {
    return absl::AlreadyExistsError(absl::StrCat(destination, ": already exists"));
  }
  sqlite3* dest = nullptr;
  if (sqlite3_open_v2(destination.c_str(), &dest,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    absl::Status s = Failed(dest, destination, "cannot create");
    sqlite3_close(dest);
    return s;
  }
  absl::Status status;
  sqlite3_backup* backup = sqlite3_backup_init(dest, "main", dbs_[index], "main");
  if (backup == nullptr) {
    status = Failed(dest, destination, "cannot start the copy");
  } else {
    const int rc = sqlite3_backup_step(backup, -1);
    sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE) status = Failed(dest, paths_[index], "copy failed");
  }
  if (status.ok() &&
      sqlite3_exec(dest, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    status = Failed(dest, destination, "cannot set the journal mode");
  }
  sqlite3_close_v2(dest);
  return status;
}

absl::Status CheckIntegrity(const std::string& path) {
  auto db = OpenExisting(path, SQLITE_OPEN_READONLY);
  if (!db.ok()) return db.status();
  sqlite3_stmt* st = nullptr;
  absl::Status status;
  if (sqlite3_prepare_v2(*db, "PRAGMA integrity_check", -1, &st, nullptr) != SQLITE_OK) {
    status = absl::DataLossError(absl::StrCat(path, ": not a database"));
  } else if (sqlite3_step(st) != SQLITE_ROW) {
    status = absl::DataLossError(absl::StrCat(path, ": integrity check failed"));
  } else {
    const char* first = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    const std::string result = first != nullptr ? first : "";
    if (result != "ok") {
      status = absl::DataLossError(
          absl::StrCat(path, ": integrity check failed (", result.substr(0, 120), ")"));
    }
  }
  sqlite3_finalize(st);
  sqlite3_close_v2(*db);
  return status;
}

absl::StatusOr<int> FileSchemaVersion(const std::string& path) {
  auto db = OpenExisting(path, SQLITE_OPEN_READONLY);
  if (!db.ok()) return db.status();
  sqlite3_stmt* st = nullptr;
  absl::StatusOr<int> out = absl::DataLossError(absl::StrCat(path, ": not a database"));
  if (sqlite3_prepare_v2(*db, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    out = sqlite3_column_int(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close_v2(*db);
  return out;
}

}  // namespace fedlink::store::sqlite
