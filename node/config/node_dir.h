// Opening and creating node directories: the config, the identity key and
// the record store together, with one clear error when any is missing,
// corrupt or unsafe.
#ifndef FEDLINK_NODE_CONFIG_NODE_DIR_H_
#define FEDLINK_NODE_CONFIG_NODE_DIR_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "crypto/data_key.h"
#include "crypto/identity.h"
#include "node/config/key_source.h"
#include "node/config/node_config.h"
#include "node/store/record_store.h"

namespace fedlink::config {

struct OpenedNode {
  explicit OpenedNode(std::string dir) : paths(std::move(dir)) {}
  common::NodePaths paths;
  NodeConfig config;
  // The data key everything personal is sealed under; null for a node made
  // before encryption at rest and not yet converted (opened without a key
  // source). Declared before what uses it.
  std::unique_ptr<crypto::DataKey> data_key;
  std::unique_ptr<crypto::SigningKey> identity;  // null unless requested
  // Only when opened with rotate_data_key: the next data key and its
  // data.key text (data_key_rotation.h).
  std::unique_ptr<crypto::DataKey> next_data_key;
  std::string next_data_key_text;
  std::unique_ptr<store::RecordStore> store;

  // The key secret files (identity.key, tls.key, oprf.seed) are sealed
  // under, or null for a plaintext node.
  const crypto::SealingKey* file_key() const {
    return data_key != nullptr ? &data_key->sealing() : nullptr;
  }
};

struct OpenNodeOptions {
  bool load_identity = true;  // also load (and permission-check) identity.key
  // Where the key-encryption key comes from (kRecorded: what data.key
  // names). Given for a plaintext node of an older fedlink, it converts
  // the node: a data key is made and wrapped, the secret files and every
  // record sealed (each step atomic, so an interrupted conversion resumes
  // at the next opening).
  KeySource key_source = {};
  // For a data-key rotation (data_key_rotation.h): the KEK that opens the
  // data key also wraps a new one (next_data_key), and the record store is
  // not opened (store stays null: the rotation copies node.db itself).
  bool rotate_data_key = false;
};

// Opens an existing node directory. PermissionDenied, naming the path, its
// mode and the chmod that fixes it, if the directory or anything in it is open
// to group or others (common::CheckPrivateTree). Sets the process umask to 077
// so every file the node creates afterwards is 0600. A node with a data key
// whose key source is missing or wrong is refused before anything else is
// opened (key_source.h names the errors).
absl::StatusOr<std::unique_ptr<OpenedNode>> OpenNode(const std::string& dir,
                                                     const OpenNodeOptions& options);

// Creates a node directory (mode 0700) with node.conf, a new identity key,
// TLS key and certificate and an empty database, all 0600; sets the process
// umask to 077. Refuses a directory that already holds a node. With a key
// source, a data key is made first (data.key) and the secret files are
// sealed under it; without (null), the node is in the clear as fedlink made
// them before encryption at rest: only tests make such nodes (fedlink init
// always names a source, app/create_node.h).
absl::Status InitNode(const std::string& dir, const NodeConfig& config,
                      const KeySource* key_source = nullptr);

// Seals, in place and each atomically, the secret files of a node that a
// data key protects but that are still in the clear (a conversion that was
// interrupted). Files already sealed are left alone.
absl::Status SealClearSecretFiles(const common::NodePaths& paths, const crypto::SealingKey& key);

}  // namespace fedlink::config

#endif  // FEDLINK_NODE_CONFIG_NODE_DIR_H_
