// RFC 9380 expand_message_xmd with SHA-512, and hashing to ristretto255
// (hash_to_ristretto255: 64 uniform bytes into
// crypto_core_ristretto255_from_hash) and to its scalar field (64 uniform
// bytes reduced mod L), as RFC 9497 uses them.
#ifndef FEDLINK_CRYPTO_HASH_TO_GROUP_H_
#define FEDLINK_CRYPTO_HASH_TO_GROUP_H_

#include <array>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fedlink::crypto {

// expand_message_xmd(msg, DST, len) with SHA-512 (RFC 9380 5.3.1). A DST
// longer than 255 bytes is first hashed as the RFC prescribes.
// InvalidArgument if len is 0 or above 255 * 64.
absl::StatusOr<std::string> ExpandMessageXmdSha512(absl::string_view msg, absl::string_view dst,
                                                   size_t len);

// 32-byte ristretto255 element encoding of hash_to_ristretto255(msg, dst).
std::array<unsigned char, 32> HashToRistretto255(absl::string_view msg, absl::string_view dst);

// 32-byte little-endian scalar: expand_message_xmd(msg, dst, 64) mod L.
std::array<unsigned char, 32> HashToRistretto255Scalar(absl::string_view msg,
                                                       absl::string_view dst);

}  // namespace fedlink::crypto

#endif  // FEDLINK_CRYPTO_HASH_TO_GROUP_H_
