// Opening and creating node directories: the config, the identity key and
// the record store together, with one clear error when any is missing,
// corrupt or unsafe.
#ifndef FEDLINK_NODE_CONFIG_NODE_DIR_H_
#define FEDLINK_NODE_CONFIG_NODE_DIR_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "crypto/identity.h"
#include "node/config/node_config.h"
#include "node/store/record_store.h"

namespace fedlink::config {

struct OpenedNode {
  explicit OpenedNode(std::string dir) : paths(std::move(dir)) {}
  common::NodePaths paths;
  NodeConfig config;
  std::unique_ptr<crypto::SigningKey> identity;  // null unless requested
  std::unique_ptr<store::RecordStore> store;
};

struct OpenNodeOptions {
  bool load_identity = true;  // also load (and permission-check) identity.key
};

// Opens an existing node directory. PermissionDenied, naming the path, its
// mode and the chmod that fixes it, if the directory or anything in it is open
// to group or others (common::CheckPrivateTree). Sets the process umask to 077
// so every file the node creates afterwards is 0600.
absl::StatusOr<std::unique_ptr<OpenedNode>> OpenNode(const std::string& dir,
                                                     const OpenNodeOptions& options);

// Creates a node directory (mode 0700) with node.conf, a new identity key,
// TLS key and certificate and an empty database, all 0600; sets the process
// umask to 077. Refuses a directory that already holds a node.
absl::Status InitNode(const std::string& dir, const NodeConfig& config);

}  // namespace fedlink::config

#endif  // FEDLINK_NODE_CONFIG_NODE_DIR_H_
