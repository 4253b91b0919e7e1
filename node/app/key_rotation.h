// Rotating the key that protects a node at rest (docs/security.md, "Data at
// rest"): the data key wrapped again under a new key-encryption key, without
// re-encrypting any record (node/config/data_key_rotation.h).
//
//   config::KeySource next;  // e.g. a new key file
//   RETURN_IF_ERROR(app::RewrapNodeKey(*node, next));
#ifndef FEDLINK_NODE_APP_KEY_ROTATION_H_
#define FEDLINK_NODE_APP_KEY_ROTATION_H_

#include "absl/status/status.h"
#include "node/app/node.h"
#include "node/config/key_source.h"

namespace fedlink::app {

// FailedPrecondition for a node without a data key (open it with a key
// source first: that converts it). The node must have been opened with its
// current key source; afterwards only `new_source` opens it.
absl::Status RewrapNodeKey(Node& node, const config::KeySource& new_source);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_KEY_ROTATION_H_
