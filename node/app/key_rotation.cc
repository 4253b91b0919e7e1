#include "node/app/key_rotation.h"

#include <sodium.h>
#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "crypto/sealed_file.h"
#include "node/app/serve_lock.h"
#include "node/app/user_store.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/config/data_key_rotation.h"
#include "node/followup/followup_store.h"
#include "node/store/record_store.h"

namespace fedlink::app {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

}  // namespace

absl::Status RewrapNodeKey(Node& node, const config::KeySource& new_source) {
  const config::OpenedNode& opened = node.opened();
  if (opened.data_key == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        node.paths().dir, ": not encrypted at rest; open it once with a key source to convert it"));
  }
  RETURN_IF_ERROR(config::RewrapDataKey(node.paths(), node.id(), *opened.data_key, new_source));
  return node.Log(LocalEvent("keys.rewrap"));
}

absl::StatusOr<DataKeyRotationReport> RotateDataKey(
    Node& node, const std::function<void(absl::string_view)>& progress) {
  const config::OpenedNode& opened = node.opened();
  if (opened.data_key == nullptr || opened.next_data_key == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(node.paths().dir, ": not opened for a data-key rotation"));
  }
  const auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  const common::NodePaths& paths = node.paths();
  const crypto::DataKey& current = *opened.data_key;
  const crypto::DataKey& next = *opened.next_data_key;
  // Offline: no server may write while the copies are made.
  auto lock = ServeLock::Acquire(paths.serve_lock());
  if (!lock.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(paths.dir, ": the node is serving; stop it before rotating its data key"));
  }
  ASSIGN_OR_RETURN(const std::string staging, config::BeginDataKeyRotation(paths));
  const auto staged = [&](const char* name) { return absl::StrCat(staging, "/", name); };
  DataKeyRotationReport report;

  for (const char* name :
       {"identity.key", "tls.key", "oprf.seed", "tls.key.next", "identity.key.next"}) {
    const std::string path = absl::StrCat(paths.dir, "/", name);
    if (!Exists(path)) continue;  // oprf.seed is made on first use
    ASSIGN_OR_RETURN(std::string contents, common::ReadWholeFile(path, 1 << 16));
    auto plain = crypto::OpenSealedFile(current.sealing(), name, contents);
    if (!plain.ok()) return plain.status();
    const std::string sealed = crypto::SealFile(next.sealing(), name, *plain);
    sodium_memzero(plain->data(), plain->size());
    RETURN_IF_ERROR(common::WriteFileAtomically(staged(name), sealed, 0600));
    ++report.secret_files;
  }
  say(absl::StrCat("secret files: ", report.secret_files, " sealed under the new key"));

  ASSIGN_OR_RETURN(
      report.records,
      store::ResealRecordStore(paths.database(), staged("node.db"), current, next,
                               [&](uint64_t done, uint64_t total) {
                                 say(absl::StrCat("node.db: ", done, " of ", total, " records"));
                               }));
  if (Exists(paths.followup_db())) {
    RETURN_IF_ERROR(followup::FollowupStore::Reseal(paths.followup_db(), staged("followup.db"),
                                                    current.sealing(), next.sealing()));
    report.followups = true;
    say("followup.db: resealed");
  }
  if (Exists(paths.users_db())) {
    ASSIGN_OR_RETURN(report.users,
                     UserStore::Reseal(paths.users_db(), staged("users.db"), current, next));
    say(absl::StrCat("users.db: ", report.users, " users"));
  }
  RETURN_IF_ERROR(common::WriteFileAtomically(staged("data.key"), opened.next_data_key_text, 0600));
  RETURN_IF_ERROR(config::CommitDataKeyRotation(paths));
  say("committed: the new data key is in place");
  RETURN_IF_ERROR(node.Log(LocalEvent("keys.rotate")));
  return report;
}

}  // namespace fedlink::app
