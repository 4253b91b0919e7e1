// Strict standard base64 (RFC 4648, padded): only the canonical encoding of
// the decoded bytes is accepted. Lenient decoders ignore the unused low bits
// of the last character, so a signed note's signature line could be altered
// without changing its bytes; signed formats must refuse such input.
#ifndef FEDLINK_CRYPTO_BASE64_H_
#define FEDLINK_CRYPTO_BASE64_H_

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace fedlink::crypto {

inline bool StrictBase64Decode(absl::string_view in, std::string* out) {
  return absl::Base64Unescape(in, out) && absl::Base64Escape(*out) == in;
}

}  // namespace fedlink::crypto

#endif  // FEDLINK_CRYPTO_BASE64_H_
