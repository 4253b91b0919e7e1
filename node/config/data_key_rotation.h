// Rotating the key-encryption key: the node's data key wrapped again under
// a key from another source (a new key file, a new passphrase, a systemd
// credential), without re-encrypting any data. data.key is replaced
// atomically: a crash leaves the old wrapping or the new one.
#ifndef FEDLINK_NODE_CONFIG_DATA_KEY_ROTATION_H_
#define FEDLINK_NODE_CONFIG_DATA_KEY_ROTATION_H_

#include <string>

#include "absl/status/status.h"
#include "crypto/data_key.h"
#include "node/common/node_paths.h"
#include "node/config/key_source.h"

namespace fedlink::config {

// Wraps `key` (opened with the current source) under the KEK from
// `new_source` (kRecorded refused; a key file that does not exist yet is
// created) and replaces data.key. The old KEK no longer opens the node.
absl::Status RewrapDataKey(const common::NodePaths& paths, const std::string& node_id,
                           const crypto::DataKey& key, const KeySource& new_source);

}  // namespace fedlink::config

#endif  // FEDLINK_NODE_CONFIG_DATA_KEY_ROTATION_H_
