// Rotating the keys that protect a node at rest (docs/security.md, "Data at
// rest"):
//
//   - the key-encryption key: the data key wrapped again under a new KEK,
//     without re-encrypting any record (node/config/data_key_rotation.h);
//   - the data key itself: a new data key (wrapped by the same KEK) and
//     every sealed value of the directory sealed again under it, offline,
//     built whole beside the node's files and committed by one rename (a
//     crash leaves the old node or the new one).
//
//   config::KeySource next;  // e.g. a new key file
//   RETURN_IF_ERROR(app::RewrapNodeKey(*node, next));
//
//   ASSIGN_OR_RETURN(auto node, app::Node::Open(dir, {.rotate_data_key = true}));
//   ASSIGN_OR_RETURN(auto report, app::RotateDataKey(*node, print_progress));
#ifndef FEDLINK_NODE_APP_KEY_ROTATION_H_
#define FEDLINK_NODE_APP_KEY_ROTATION_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/app/node.h"
#include "node/config/key_source.h"

namespace fedlink::app {

// FailedPrecondition for a node without a data key (open it with a key
// source first: that converts it). The node must have been opened with its
// current key source; afterwards only `new_source` opens it.
absl::Status RewrapNodeKey(Node& node, const config::KeySource& new_source);

struct DataKeyRotationReport {
  uint64_t records = 0;    // node.db
  uint64_t users = 0;      // users.db, if any
  bool followups = false;  // followup.db resealed (if any)
  int secret_files =
      0;  // identity.key, tls.key, oprf.seed, pending tls.key.next / identity.key.next
};

// Re-encrypts the node under a new data key. `node` must have been opened
// with rotate_data_key (its KEK wraps the new key). Offline: refused
// (FailedPrecondition) while the node serves. Every sealed value (records
// and their change log, follow-up content, console users, the identity and
// TLS keys, the OPRF seed) is opened under the current key and sealed under
// the new one, bound to its place as before (row keys: digests under the
// new key); the peers' cached tables are dropped (fetched again). Nothing
// in DIR changes until the commit; afterwards the old data key opens
// nothing, and it is wiped from memory with `node`. `progress`, if set,
// gets one line per step (counts only, never a value). Logged in the
// access log (`keys.rotate`).
absl::StatusOr<DataKeyRotationReport> RotateDataKey(
    Node& node, const std::function<void(absl::string_view)>& progress);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_KEY_ROTATION_H_
