// t-of-n Shamir secret sharing over GF(2^8), byte by byte (the AES field,
// polynomial x^8 + x^4 + x^3 + x + 1). A share is (x, y) with x in 1..255
// and y as long as the secret. Any t shares reconstruct the secret; t-1
// shares are consistent with every possible secret, so they reveal nothing.
//
// Reconstruction cannot tell a wrong share from a right one: it returns a
// different secret. Callers authenticate the result (fedlink opens an AEAD
// payload keyed from the secret), so a wrong share is detected there.
//
// Field arithmetic is branch-free and table-free (constant time).
#ifndef FEDLINK_CRYPTO_SHAMIR_H_
#define FEDLINK_CRYPTO_SHAMIR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace fedlink::crypto::shamir {

struct Share {
  uint8_t x = 0;  // 1..255
  std::string y;  // same length as the secret
};

// Splits `secret` (1..64 bytes; fedlink uses 16 or 32) into n shares with
// x = 1..n, any t of which reconstruct it. 1 <= t <= n <= 255.
absl::StatusOr<std::vector<Share>> Split(absl::string_view secret, int t, int n);

// Interpolates the secret from exactly the given shares (pass t of them).
// Rejects an empty list, x = 0, duplicate x and shares of unequal length.
absl::StatusOr<std::string> Combine(absl::Span<const Share> shares);

}  // namespace fedlink::crypto::shamir

#endif  // FEDLINK_CRYPTO_SHAMIR_H_
