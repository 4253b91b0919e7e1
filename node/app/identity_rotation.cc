#include "node/app/identity_rotation.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "crypto/sealed_file.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/federation/roster.h"

namespace fedlink::app {
namespace {

constexpr char kNextKey[] = "identity.key.next";

std::string NextPath(const common::NodePaths& paths) {
  return absl::StrCat(paths.dir, "/", kNextKey);
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<crypto::SigningKey>> LoadPendingIdentityKey(
    const common::NodePaths& paths, const crypto::SealingKey* file_key) {
  if (!Exists(NextPath(paths))) return std::unique_ptr<crypto::SigningKey>();
  return crypto::SigningKey::LoadFromFile(NextPath(paths), file_key);
}

absl::Status CommitPendingIdentityKey(const common::NodePaths& paths,
                                      const crypto::SealingKey* file_key) {
  const std::string next = NextPath(paths);
  ASSIGN_OR_RETURN(std::string text, common::ReadWholeFile(next, common::kMaxSmallFileBytes));
  std::string key_text = text;
  if (file_key != nullptr) {
    auto opened = crypto::OpenSealedFile(*file_key, kNextKey, text);
    if (!opened.ok()) {
      return absl::DataLossError(
          absl::StrCat(next, ": does not open (altered, renamed, or another key)"));
    }
    key_text = *std::move(opened);
  }
  std::string stored =
      file_key != nullptr ? crypto::SealFile(*file_key, "identity.key", key_text) : key_text;
  sodium_memzero(key_text.data(), key_text.size());
  // identity.key replaced atomically, then the pending key removed: a crash
  // between leaves both naming the new key, and the next opening of the
  // access log finishes here again.
  const absl::Status written = common::WriteFileAtomically(paths.identity_key(), stored, 0600);
  sodium_memzero(stored.data(), stored.size());
  RETURN_IF_ERROR(written);
  if (unlink(next.c_str()) != 0 && errno != ENOENT) {
    return absl::InternalError(absl::StrCat(next, ": cannot remove"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RotateIdentityKey(Node& node) {
  if (node.identity() == nullptr) {
    return absl::InternalError("rotate identity: the node's identity key is not loaded");
  }
  // Opening the log finishes a switch a crash interrupted, so the pending
  // key replaced below is never one the log already signs with.
  RETURN_IF_ERROR(node.AuditLog().status());
  ASSIGN_OR_RETURN(std::unique_ptr<crypto::SigningKey> key,
                   crypto::SigningKey::Generate(node.id()));
  const std::string next = NextPath(node.paths());
  if (unlink(next.c_str()) != 0 && errno != ENOENT) {
    return absl::InternalError(absl::StrCat(next, ": cannot replace"));
  }
  RETURN_IF_ERROR(key->SaveToFile(next, node.opened().file_key()));
  // The request names the TLS certificate the next roster should list: a
  // pending one (`fedlink rotate tls`) if there is one.
  const std::string pending_cert = absl::StrCat(node.paths().dir, "/tls.crt.next");
  std::string request;
  if (Exists(pending_cert)) {
    ASSIGN_OR_RETURN(const std::string cert_pem,
                     common::ReadWholeFile(pending_cert, common::kMaxSmallFileBytes));
    ASSIGN_OR_RETURN(request, federation::MemberRequestWithCertificate(
                                  node.config(), key->VerifierKey(), cert_pem));
  } else {
    ASSIGN_OR_RETURN(request,
                     federation::MemberRequest(node.paths(), node.config(), key->VerifierKey()));
  }
  RETURN_IF_ERROR(node.Log(LocalEvent("keys.rotate-identity")));
  return request;
}

}  // namespace fedlink::app
