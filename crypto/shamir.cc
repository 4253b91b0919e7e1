#include "crypto/shamir.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"

namespace fedlink::crypto::shamir {
namespace {

// Carry-less multiply mod x^8 + x^4 + x^3 + x + 1, without branches on data.
uint8_t Mul(uint8_t a, uint8_t b) {
  uint8_t p = 0;
  for (int i = 0; i < 8; ++i) {
    p ^= static_cast<uint8_t>(-(b & 1) & a);
    const uint8_t carry = static_cast<uint8_t>(-(a >> 7));
    a = static_cast<uint8_t>((a << 1) ^ (carry & 0x1b));
    b >>= 1;
  }
  return p;
}

// a^254 = a^-1 for a != 0.
uint8_t Inv(uint8_t a) {
  uint8_t result = 1;
  uint8_t base = a;
  for (int e = 254; e > 0; e >>= 1) {
    if (e & 1) result = Mul(result, base);  // exponent is public
    base = Mul(base, base);
  }
  return result;
}

}  // namespace

absl::StatusOr<std::vector<Share>> Split(absl::string_view secret, int t, int n) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  if (secret.empty() || secret.size() > 64) {
    return absl::InvalidArgumentError("secret must be 1 to 64 bytes");
  }
  if (t < 1 || n < t || n > 255) {
    return absl::InvalidArgumentError(absl::StrCat("need 1 <= t <= n <= 255, got t=", t, " n=", n));
  }
  std::vector<Share> shares(n);
  for (int i = 0; i < n; ++i) {
    shares[i].x = static_cast<uint8_t>(i + 1);
    shares[i].y.assign(secret.size(), '\0');
  }
  std::vector<uint8_t> coeffs(t);
  for (size_t b = 0; b < secret.size(); ++b) {
    coeffs[0] = static_cast<uint8_t>(secret[b]);
    if (t > 1) randombytes_buf(coeffs.data() + 1, t - 1);
    for (int i = 0; i < n; ++i) {
      // Horner's rule at x = i + 1.
      uint8_t y = 0;
      for (int c = t - 1; c >= 0; --c) y = Mul(y, shares[i].x) ^ coeffs[c];
      shares[i].y[b] = static_cast<char>(y);
    }
  }
  sodium_memzero(coeffs.data(), coeffs.size());
  return shares;
}

absl::StatusOr<std::string> Combine(absl::Span<const Share> shares) {
  if (shares.empty()) return absl::InvalidArgumentError("no shares");
  const size_t len = shares[0].y.size();
  for (size_t i = 0; i < shares.size(); ++i) {
    if (shares[i].x == 0) return absl::InvalidArgumentError("share index 0 is not allowed");
    if (shares[i].y.size() != len || len == 0) {
      return absl::InvalidArgumentError("shares have different lengths");
    }
    for (size_t j = 0; j < i; ++j) {
      if (shares[j].x == shares[i].x) {
        return absl::InvalidArgumentError(
            absl::StrCat("duplicate share index ", static_cast<int>(shares[i].x)));
      }
    }
  }
  // Lagrange basis at 0: l_i = prod_{j != i} x_j / (x_j - x_i); in GF(2^8)
  // subtraction is XOR.
  std::vector<uint8_t> basis(shares.size());
  for (size_t i = 0; i < shares.size(); ++i) {
    uint8_t num = 1, den = 1;
    for (size_t j = 0; j < shares.size(); ++j) {
      if (j == i) continue;
      num = Mul(num, shares[j].x);
      den = Mul(den, shares[j].x ^ shares[i].x);
    }
    basis[i] = Mul(num, Inv(den));
  }
  std::string secret(len, '\0');
  for (size_t b = 0; b < len; ++b) {
    uint8_t acc = 0;
    for (size_t i = 0; i < shares.size(); ++i) {
      acc ^= Mul(basis[i], static_cast<uint8_t>(shares[i].y[b]));
    }
    secret[b] = static_cast<char>(acc);
  }
  return secret;
}

}  // namespace fedlink::crypto::shamir
