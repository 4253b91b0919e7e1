// The format of a secret file of the node directory sealed under the node's
// data key (identity.key, tls.key, oprf.seed):
//
//   "fedlink-sealed v1 " NAME "\n" base64(nonce || ciphertext || tag) "\n"
//
// NAME is the file's own name in the node directory and the associated data
// is the first line, so a sealed file renamed to another (tls.key to
// identity.key) does not open. The contents are whatever the file held in
// the clear before (a key file's text, a PEM key, a raw seed).
#ifndef FEDLINK_CRYPTO_SEALED_FILE_H_
#define FEDLINK_CRYPTO_SEALED_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/aead.h"

namespace fedlink::crypto {

// Whether `contents` is in the sealed-file format (by its first line).
bool IsSealedFile(absl::string_view contents);
std::string SealFile(const SealingKey& key, absl::string_view name, absl::string_view plaintext);
// DataLoss naming nothing but the file: truncated, altered, renamed, or
// sealed under another key.
absl::StatusOr<std::string> OpenSealedFile(const SealingKey& key, absl::string_view name,
                                           absl::string_view contents);

}  // namespace fedlink::crypto

#endif  // FEDLINK_CRYPTO_SEALED_FILE_H_
