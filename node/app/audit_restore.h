// The restore marker (docs/audit.md, "Restoring from a backup"): a node
// restored from a backup may hold an access log older than what its peers
// already cosigned. Appending to it would fork the log silently: the next
// checkpoint would sign a different tree of a size the witnesses have seen
// with other entries. So `fedlink restore` writes DIR/audit.restored, and
// while it is there the node logs nothing (Node::Log) and `fedlink serve`
// refuses to start; read-only commands (records count, audit export) work.
//
// `fedlink audit accept-restore` is the operator's explicit step: it
// appends one entry, event "audit.restore", saying that the log was
// restored from a backup of time T at N entries and that entries appended
// after the backup are lost (how many, only the witnesses know: one that
// cosigned a larger tree will refuse this log's next checkpoint as a
// rollback and keep it as evidence, so the gap stays visible to auditors),
// then removes the marker.
#ifndef FEDLINK_NODE_APP_AUDIT_RESTORE_H_
#define FEDLINK_NODE_APP_AUDIT_RESTORE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "node/app/backup_archive.h"
#include "node/common/node_paths.h"

namespace fedlink::app {

std::string RestoreMarkerPath(const common::NodePaths& paths);

// The marker's text for a node restored from a backup with `manifest`.
std::string RestoreMarkerText(const BackupManifest& manifest);

// FailedPrecondition naming the marker and the step, if DIR/audit.restored
// exists; OK otherwise.
absl::Status CheckNotRestored(const common::NodePaths& paths);

class Node;
struct AcceptedRestore {
  uint64_t entry_index = 0;       // of the "audit.restore" entry
  uint64_t restored_entries = 0;  // the log's size in the backup
  int64_t backup_created = 0;
};
// FailedPrecondition if the node has no marker (nothing to accept).
absl::StatusOr<AcceptedRestore> AcceptRestore(Node& node);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_AUDIT_RESTORE_H_
