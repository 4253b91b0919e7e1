#include "node/app/tls_rotation.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "crypto/sealed_file.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/tls/tls_identity.h"

namespace fedlink::app {
namespace {

constexpr char kNextKey[] = "tls.key.next";
constexpr char kNextCert[] = "tls.crt.next";

std::string In(const common::NodePaths& paths, const char* name) {
  return absl::StrCat(paths.dir, "/", name);
}

}  // namespace

absl::StatusOr<std::string> StageNewTlsKey(const common::NodePaths& paths,
                                           const crypto::SealingKey* file_key) {
  ASSIGN_OR_RETURN(tls::TlsIdentity next, tls::GenerateSelfSigned());
  const std::string key_text =
      file_key != nullptr ? crypto::SealFile(*file_key, kNextKey, next.key_pem) : next.key_pem;
  sodium_memzero(next.key_pem.data(), next.key_pem.size());
  // The certificate first: a key without its certificate is never pending.
  RETURN_IF_ERROR(common::WriteFileAtomically(In(paths, kNextCert), next.cert_pem, 0600));
  RETURN_IF_ERROR(common::WriteFileAtomically(In(paths, kNextKey), key_text, 0600));
  return next.cert_pem;
}

absl::StatusOr<bool> SwitchTlsKeyIfListed(const common::NodePaths& paths,
                                          const crypto::SealingKey* file_key,
                                          const federation::Roster& roster,
                                          const std::string& node_id) {
  struct stat st;
  if (lstat(In(paths, kNextCert).c_str(), &st) != 0 ||
      lstat(In(paths, kNextKey).c_str(), &st) != 0) {
    return false;
  }
  const federation::Member* self = roster.Find(node_id);
  if (self == nullptr) return false;
  ASSIGN_OR_RETURN(const std::string cert_pem,
                   common::ReadWholeFile(In(paths, kNextCert), common::kMaxSmallFileBytes));
  auto fingerprint = tls::Fingerprint(cert_pem);
  if (!fingerprint.ok()) {
    return absl::DataLossError(absl::StrCat(In(paths, kNextCert), ": not a certificate"));
  }
  if (*fingerprint != self->tls_cert_sha256) return false;
  ASSIGN_OR_RETURN(std::string key_text,
                   common::ReadWholeFile(In(paths, kNextKey), common::kMaxSmallFileBytes));
  std::string key_pem = key_text;
  if (file_key != nullptr) {
    auto opened = crypto::OpenSealedFile(*file_key, kNextKey, key_text);
    if (!opened.ok()) {
      return absl::DataLossError(absl::StrCat(In(paths, kNextKey),
                                              ": does not open (altered, "
                                              "renamed, or another key)"));
    }
    key_pem = *std::move(opened);
  }
  const std::string sealed =
      file_key != nullptr ? crypto::SealFile(*file_key, "tls.key", key_pem) : key_pem;
  sodium_memzero(key_pem.data(), key_pem.size());
  // Key, then certificate, then the pending pair removed: until the last
  // step a crash leaves the pair pending, and this switch is made again
  // before the TLS identity is next loaded.
  RETURN_IF_ERROR(common::WriteFileAtomically(paths.tls_key(), sealed, 0600));
  RETURN_IF_ERROR(common::WriteFileAtomically(paths.tls_cert(), cert_pem, 0600));
  if (unlink(In(paths, kNextKey).c_str()) != 0 && errno != ENOENT) {
    return absl::InternalError(absl::StrCat(In(paths, kNextKey), ": cannot remove"));
  }
  if (unlink(In(paths, kNextCert).c_str()) != 0 && errno != ENOENT) {
    return absl::InternalError(absl::StrCat(In(paths, kNextCert), ": cannot remove"));
  }
  return true;
}

}  // namespace fedlink::app
