#include "node/config/node_dir.h"

#include <sys/stat.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "node/common/whole_file.h"
#include "node/tls/tls_identity.h"

namespace fedlink {

absl::StatusOr<std::unique_ptr<OpenedNode>> OpenNode(
    const std::string& dir, const OpenNodeOptions& options) {
  if (dir.empty()) return absl::InvalidArgumentError("--dir is required");
  auto node = std::make_unique<OpenedNode>(dir);
  absl::StatusOr<NodeConfig> config = LoadNodeConfig(node->paths);
  if (!config.ok()) return config.status();
  node->config = *std::move(config);
  if (options.load_identity) {
    auto key = SigningKey::LoadFromFile(node->paths.identity_key());
    if (!key.ok()) return key.status();
    if ((*key)->name() != node->config.node_id) {
      return absl::FailedPreconditionError(absl::StrCat(
          node->paths.identity_key(), ": key is named '", (*key)->name(),
          "' but node.conf says node_id '", node->config.node_id, "'"));
    }
    node->identity = *std::move(key);
  }
  std::error_code ec;
  if (!std::filesystem::exists(node->paths.database(), ec)) {
    return absl::NotFoundError(
        absl::StrCat(node->paths.database(), ": missing database"));
  }
  auto store = OpenRecordStore(node->paths.database(), {});
  if (!store.ok()) return store.status();
  node->store = *std::move(store);
  return node;
}

absl::Status InitNode(const std::string& dir, const NodeConfig& config) {
  if (dir.empty()) return absl::InvalidArgumentError("--dir is required");
  if (auto s = ValidateNodeId(config.node_id); !s.ok()) return s;
  if (auto s = ValidateListenAddress(config.listen); !s.ok()) return s;
  NodePaths paths(dir);
  std::error_code ec;
  if (std::filesystem::exists(paths.config(), ec)) {
    return absl::AlreadyExistsError(
        absl::StrCat(dir, ": already a node directory"));
  }
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return absl::PermissionDeniedError(
        absl::StrCat(dir, ": cannot create: ", ec.message()));
  if (chmod(dir.c_str(), 0700) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat(dir, ": cannot set mode 0700"));
  }
  auto key = SigningKey::Generate(config.node_id);
  if (!key.ok()) return key.status();
  if (auto s = (*key)->SaveToFile(paths.identity_key()); !s.ok()) return s;
  auto tls_identity = tls::GenerateSelfSigned(config.node_id);
  if (!tls_identity.ok()) return tls_identity.status();
  if (auto s = tls::Save(*tls_identity, dir); !s.ok()) return s;
  NodeConfig written = config;
  written.schema_version = RecordStoreSchemaVersion();
  {
    auto store = OpenRecordStore(paths.database(), {.create = true});
    if (!store.ok()) return store.status();
  }
  // The config is written last: its presence marks a complete node directory.
  return WriteFileAtomically(paths.config(), FormatNodeConfig(written));
}

}  // namespace fedlink
