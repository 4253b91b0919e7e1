#include "node/config/node_dir.h"

#include <sodium.h>
#include <sys/stat.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "crypto/sealed_file.h"
#include "node/common/private_files.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/config/data_key_rotation.h"
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
  std::error_code ec;
  if (!std::filesystem::exists(node->paths.database(), ec)) {
    return absl::NotFoundError(absl::StrCat(node->paths.database(), ": missing database"));
  }
  // A data-key rotation committed but not finished (a crash) is finished
  // first: its files are the node.
  RETURN_IF_ERROR(FinishDataKeyRotation(node->paths));
  if (HasDataKey(node->paths) && options.rotate_data_key) {
    ASSIGN_OR_RETURN(DataKeyRotationKeys keys,
                     PrepareDataKeyRotation(node->paths, node->config.node_id, options.key_source));
    node->data_key = std::move(keys.current);
    node->next_data_key = std::move(keys.next);
    node->next_data_key_text = std::move(keys.next_data_key_text);
  } else if (HasDataKey(node->paths)) {
    ASSIGN_OR_RETURN(node->data_key,
                     OpenDataKey(node->paths, node->config.node_id, options.key_source));
  } else if (options.rotate_data_key) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir,
                     ": not encrypted at rest (no data.key); open it once with a key source "
                     "to convert it"));
  } else if (options.key_source.kind != KeySource::Kind::kRecorded) {
    // A plaintext node of an older fedlink, converted now: the data key
    // first, so that from here on the node needs it.
    ASSIGN_OR_RETURN(node->data_key,
                     CreateDataKey(node->paths, node->config.node_id, options.key_source));
  }
  if (node->data_key != nullptr) {
    RETURN_IF_ERROR(SealClearSecretFiles(node->paths, *node->file_key()));
  }
  if (options.load_identity) {
    ASSIGN_OR_RETURN(
        auto key, crypto::SigningKey::LoadFromFile(node->paths.identity_key(), node->file_key()));
    if (key->name() != node->config.node_id) {
      return absl::FailedPreconditionError(
          absl::StrCat(node->paths.identity_key(), ": key is named '", key->name(),
                       "' but node.conf says node_id '", node->config.node_id, "'"));
    }
    node->identity = std::move(key);
  }
  if (options.rotate_data_key) return node;
  ASSIGN_OR_RETURN(node->store, store::OpenRecordStore(node->paths.database(),
                                                       {.data_key = node->data_key.get()}));
  return node;
}

absl::Status SealClearSecretFiles(const common::NodePaths& paths, const crypto::SealingKey& key) {
  const std::pair<std::string, const char*> files[] = {{paths.identity_key(), "identity.key"},
                                                       {paths.tls_key(), "tls.key"},
                                                       {paths.oprf_seed(), "oprf.seed"}};
  for (const auto& [path, name] : files) {
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) continue;  // oprf.seed is made on first use
    ASSIGN_OR_RETURN(std::string contents, common::ReadWholeFile(path, 1 << 16));
    if (crypto::IsSealedFile(contents)) {
      sodium_memzero(contents.data(), contents.size());
      continue;
    }
    const std::string sealed = crypto::SealFile(key, name, contents);
    sodium_memzero(contents.data(), contents.size());
    RETURN_IF_ERROR(common::WriteFileAtomically(path, sealed, 0600));
  }
  return absl::OkStatus();
}

absl::Status InitNode(const std::string& dir, const NodeConfig& config,
                      const KeySource* key_source) {
  if (dir.empty()) return absl::InvalidArgumentError("--dir is required");
  RETURN_IF_ERROR(ValidateNodeId(config.node_id));
  RETURN_IF_ERROR(ValidateListenAddress(config.listen));
  if (!config.advertise.empty()) {
    if (auto s = ValidateListenAddress(config.advertise); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--advertise: ", s.message()));
    }
  }
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
  std::unique_ptr<crypto::DataKey> data_key;
  if (key_source != nullptr) {
    ASSIGN_OR_RETURN(data_key, CreateDataKey(paths, config.node_id, *key_source));
  }
  const crypto::SealingKey* file_key = data_key != nullptr ? &data_key->sealing() : nullptr;
  ASSIGN_OR_RETURN(auto key, crypto::SigningKey::Generate(config.node_id));
  RETURN_IF_ERROR(key->SaveToFile(paths.identity_key(), file_key));
  ASSIGN_OR_RETURN(auto tls_identity, tls::GenerateSelfSigned());
  RETURN_IF_ERROR(tls::Save(tls_identity, dir, file_key));
  sodium_memzero(tls_identity.key_pem.data(), tls_identity.key_pem.size());
  NodeConfig written = config;
  written.schema_version = store::RecordStoreSchemaVersion();
  // Creates the database and its schema; the store is closed again at once.
  RETURN_IF_ERROR(
      store::OpenRecordStore(paths.database(), {.create = true, .data_key = data_key.get()}));
  // The config is written last: its presence marks a complete node directory.
  return common::WriteFileAtomically(paths.config(), FormatNodeConfig(written));
}

}  // namespace fedlink::config
