#include "node/followup/content_commitment.h"

#include <sodium.h>

#include <initializer_list>

namespace fedlink::followup {
namespace {

constexpr char kDomain[] = "fedlink/followup-commitment/v1";

void PutU32(std::string* out, size_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((v >> shift) & 0xff));
}

std::string Commit(absl::string_view salt, absl::string_view kind,
                   std::initializer_list<absl::string_view> fields) {
  if (salt.size() != kContentSaltBytes) return "";
  std::string message(kDomain, sizeof(kDomain));  // with its NUL
  message.append(kind.data(), kind.size());
  message.push_back('\0');
  for (absl::string_view f : fields) {
    PutU32(&message, f.size());
    message.append(f.data(), f.size());
  }
  std::string out(kContentCommitmentBytes, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size());
  sodium_memzero(message.data(), message.size());
  return out;
}

}  // namespace

std::string NewContentSalt() {
  std::string salt(kContentSaltBytes, '\0');
  randombytes_buf(salt.data(), salt.size());
  return salt;
}

std::string CommitToRequest(absl::string_view salt, absl::string_view id, absl::string_view handle,
                            absl::string_view reason) {
  return Commit(salt, "contact", {id, handle, reason});
}

std::string CommitToReply(absl::string_view salt, absl::string_view id, bool accepted,
                          absl::string_view message) {
  return Commit(salt, "reply", {id, accepted ? "accepted" : "declined", message});
}

}  // namespace fedlink::followup
