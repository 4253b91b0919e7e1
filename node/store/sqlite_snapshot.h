// Copies of live SQLite databases for backups (node/app/backup.h): SQLite's
// online backup API (sqlite3_backup_*) copies every page under a read
// transaction, so a copy is the database at one point even while another
// process writes to it (WAL mode: writers are not blocked).
//
//   ASSIGN_OR_RETURN(auto snapshot, DatabaseSnapshot::Begin({"a.db", "b.db"}));
//   RETURN_IF_ERROR(snapshot->CopyTo(0, "copy/a.db"));
//   RETURN_IF_ERROR(CheckIntegrity("copy/a.db"));
#ifndef FEDLINK_NODE_STORE_SQLITE_SNAPSHOT_H_
#define FEDLINK_NODE_STORE_SQLITE_SNAPSHOT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;

namespace fedlink::store::sqlite {

// Read transactions on several databases, all begun before any is copied:
// each copy is its database at the moment its transaction began, and those
// moments lie together before the first page is copied.
class DatabaseSnapshot {
 public:
  // Opens each file (never creating one) and begins a read transaction on
  // it. Errors name the file.
  static absl::StatusOr<std::unique_ptr<DatabaseSnapshot>> Begin(
      const std::vector<std::string>& paths);
  DatabaseSnapshot(const DatabaseSnapshot&) = delete;
  DatabaseSnapshot& operator=(const DatabaseSnapshot&) = delete;
  ~DatabaseSnapshot();

  // Writes database `index` as it was when Begin read it to a new file
  // `destination` (refused if it exists).
  absl::Status CopyTo(size_t index, const std::string& destination);

 private:
  DatabaseSnapshot() = default;
  std::vector<std::string> paths_;
  std::vector<sqlite3*> dbs_;
};

// PRAGMA integrity_check of the database file: DataLoss naming the file
// (and SQLite's first complaint, which names pages, never values).
absl::Status CheckIntegrity(const std::string& path);

// The file's user_version (fedlink's schema version), read through SQLite.
absl::StatusOr<int> FileSchemaVersion(const std::string& path);

}  // namespace fedlink::store::sqlite

#endif  // FEDLINK_NODE_STORE_SQLITE_SNAPSHOT_H_
