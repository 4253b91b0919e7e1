// Backup and restore of a node directory (docs/security.md, "Backup and
// restore"; the file format: backup_archive.h).
//
//   ASSIGN_OR_RETURN(BackupManifest m, app::BackupNode(*node, "/mnt/b/police.fbk"));
//   ASSIGN_OR_RETURN(BackupManifest v, app::VerifyBackup("/mnt/b/police.fbk", source));
//   ASSIGN_OR_RETURN(BackupManifest r, app::RestoreBackup("/mnt/b/police.fbk", "/srv/new", source));
//
// A backup runs while the node serves: every database of the directory is
// copied with SQLite's online backup API under read transactions all begun
// before the first copy (node/store/sqlite_snapshot.h), the other files
// (node.conf, data.key, sealed keys, roster, policy, audit.head, cached
// peers' tables) read before that, so the copy of audit.db is never older
// than the copy of audit.head. The copy is checked as `backup verify` checks
// it (integrity of every database, the audit log verified) before it is
// written, encrypted, to FILE.tmp and renamed to FILE (0600): FILE is whole
// or absent.
//
// Nothing here prints or returns personal data: manifests hold counts,
// sizes, schema versions, the node id and the audit log's root.
#ifndef FEDLINK_NODE_APP_BACKUP_H_
#define FEDLINK_NODE_APP_BACKUP_H_

#include <string>

#include "absl/status/statusor.h"
#include "node/app/backup_archive.h"
#include "node/app/node.h"
#include "node/config/key_source.h"

namespace fedlink::app {

// FailedPrecondition for a node without a data key (a node in the clear has
// no key to encrypt its backup with: open it once with a key source).
// AlreadyExists if `out` exists.
absl::StatusOr<BackupManifest> BackupNode(Node& node, const std::string& out);

// Decrypts the whole backup with the key source (its own data.key copy names
// the source, as DIR/data.key does), checks the end of the stream, runs
// PRAGMA integrity_check on every database, verifies the audit log and
// checks the backup against its manifest (node, schema versions, record
// count, audit log size and root). `node_dir`, if not empty, is a node
// directory whose node the backup must be of (FailedPrecondition otherwise).
// Writes nothing that outlives the call (a private temporary copy under
// $TMPDIR, removed).
absl::StatusOr<BackupManifest> VerifyBackup(const std::string& file,
                                            const config::KeySource& source,
                                            const std::string& node_dir = "");

// Restores a backup into `new_dir`, which must not exist or be empty: the
// backup is checked as VerifyBackup checks it in a private directory beside
// `new_dir` (0700, files 0600) which is then renamed to `new_dir`, so
// `new_dir` is whole or absent. The restored node carries DIR/audit.restored
// (audit_restore.h): it serves nothing and logs nothing until its operator
// runs `fedlink audit accept-restore`.
absl::StatusOr<BackupManifest> RestoreBackup(const std::string& file, const std::string& new_dir,
                                             const config::KeySource& source);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_BACKUP_H_
