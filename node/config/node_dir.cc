#include "node/config/node_dir.h"

#include <sys/stat.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "node/common/private_files.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/tls/tls_identity.h"

namespace fedlink::config {

absl::StatusOr<std::unique_ptr<OpenedNode>> OpenNode(const std::string& dir,
                                                     const OpenNodeOptions& options) {
  if (dir.empty()) return absl::InvalidArgumentError("--dir is required");
  auto node = std::make_unique<OpenedNode>(dir);
  ASSIGN_OR_RETURN(node->config, LoadNodeConfig(node->paths));
  // Checked at every start: a directory or file that others can read is
  // refused with the fix, not tightened behind the operator's back.
  RETURN_IF_ERROR(common::CheckPrivateTree(dir));
  // Whatever the node creates from now on (databases and their -wal/-shm,
  // cache files, the admin socket) is its operator's alone.
  common::RestrictUmask();
  if (options.load_identity) {
    ASSIGN_OR_RETURN(auto key, crypto::SigningKey::LoadFromFile(node->paths.identity_key()));
    if (key->name() != node->config.node_id) {
      return absl::FailedPreconditionError(
          absl::StrCat(node->paths.identity_key(), ": key is named '", key->name(),
                       "' but node.conf says node_id '", node->config.node_id, "'"));
    }
    node->identity = std::move(key);
  }
  std::error_code ec;
  if (!std::filesystem::exists(node->paths.database(), ec)) {
    return absl::NotFoundError(absl::StrCat(node->paths.database(), ": missing database"));
  }
  ASSIGN_OR_RETURN(node->store, store::OpenRecordStore(node->paths.database(), {}));
  return node;
}

absl::Status InitNode(const std::string& dir, const NodeConfig& config) {
  if (dir.empty()) return absl::InvalidArgumentError("--dir is required");
  RETURN_IF_ERROR(ValidateNodeId(config.node_id));
  RETURN_IF_ERROR(ValidateListenAddress(config.listen));
  common::NodePaths paths(dir);
  std::error_code ec;
  if (std::filesystem::exists(paths.config(), ec)) {
    return absl::AlreadyExistsError(absl::StrCat(dir, ": already a node directory"));
  }
  common::RestrictUmask();
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat(dir, ": cannot create: ", ec.message()));
  if (chmod(dir.c_str(), 0700) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(dir, ": cannot set mode 0700"));
  }
  ASSIGN_OR_RETURN(auto key, crypto::SigningKey::Generate(config.node_id));
  RETURN_IF_ERROR(key->SaveToFile(paths.identity_key()));
  ASSIGN_OR_RETURN(auto tls_identity, tls::GenerateSelfSigned());
  RETURN_IF_ERROR(tls::Save(tls_identity, dir));
  NodeConfig written = config;
  written.schema_version = store::RecordStoreSchemaVersion();
  // Creates the database and its schema; the store is closed again at once.
  RETURN_IF_ERROR(store::OpenRecordStore(paths.database(), {.create = true}));
  // The config is written last: its presence marks a complete node directory.
  return common::WriteFileAtomically(paths.config(), FormatNodeConfig(written));
}

}  // namespace fedlink::config
