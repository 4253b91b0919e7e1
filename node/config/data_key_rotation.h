// Rotating the keys that protect a node at rest (docs/security.md, "Data at
// rest").
//
// The key-encryption key: the node's data key wrapped again under a key
// from another source (a new key file, a new passphrase, a systemd
// credential), without re-encrypting any data. data.key is replaced
// atomically: a crash leaves the old wrapping or the new one.
//
// The data key itself: a new data key, wrapped by the same KEK, and every
// sealed value of the directory sealed again under it. The new state is
// built whole in a staging directory beside the node's files, then
// committed by one rename, then moved into place (data.key last):
//
//   DIR/.rotate-data-key.tmp/   being built; the node still is the old one
//   DIR/.rotate-data-key/       committed: every opening (OpenNode) first
//                               moves its files into DIR and removes it
//
// so a crash at any point leaves the old node (the staging directory is
// ignored, and removed by the next rotation) or the new one (finished by
// the next opening). The staging directory holds only ciphertext.
#ifndef FEDLINK_NODE_CONFIG_DATA_KEY_ROTATION_H_
#define FEDLINK_NODE_CONFIG_DATA_KEY_ROTATION_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/data_key.h"
#include "node/common/node_paths.h"
#include "node/config/key_source.h"

namespace fedlink::config {

// Wraps `key` (opened with the current source) under the KEK from
// `new_source` (kRecorded refused; a key file that does not exist yet is
// created) and replaces data.key. The old KEK no longer opens the node.
absl::Status RewrapDataKey(const common::NodePaths& paths, const std::string& node_id,
                           const crypto::DataKey& key, const KeySource& new_source);

struct DataKeyRotationKeys {
  std::unique_ptr<crypto::DataKey> current;  // what data.key opens today
  std::unique_ptr<crypto::DataKey> next;     // new, random
  // data.key's text for `next`: the same source line (and passphrase salt),
  // so the same KEK opens it.
  std::string next_data_key_text;
};

// Opens data.key with `source` (as OpenDataKey; the KEK is derived once, so
// a passphrase is asked for once) and makes the next data key.
absl::StatusOr<DataKeyRotationKeys> PrepareDataKeyRotation(const common::NodePaths& paths,
                                                           const std::string& node_id,
                                                           const KeySource& source);

// Finishes a committed rotation left by a crash (no-op otherwise), then
// removes an uncommitted staging directory and makes a new, empty one
// (0700); returns its path. Every file written into it replaces the file of
// the same name in DIR when committed ("data.key" included).
absl::StatusOr<std::string> BeginDataKeyRotation(const common::NodePaths& paths);

// fsyncs the staged files, commits them (one rename) and moves them into
// DIR (FinishDataKeyRotation). Databases replaced lose their old -wal and
// -shm files; the peers' cached tables (sealed under the old key) are
// removed, to be fetched again.
absl::Status CommitDataKeyRotation(const common::NodePaths& paths);

// If DIR holds a committed rotation, moves its files into place (each a
// rename; data.key last) and removes it: idempotent, so an interrupted
// finish is finished by the next call. OpenNode calls it first.
absl::Status FinishDataKeyRotation(const common::NodePaths& paths);

}  // namespace fedlink::config

#endif  // FEDLINK_NODE_CONFIG_DATA_KEY_ROTATION_H_
