#include "crypto/hash_to_group.h"

#include <sodium.h>

#include "absl/status/status.h"

namespace fedlink::crypto {
namespace {

constexpr size_t kHashBytes = crypto_hash_sha512_BYTES;  // b_in_bytes = 64
constexpr size_t kBlockBytes = 128;                      // s_in_bytes for SHA-512

void Update(crypto_hash_sha512_state* st, absl::string_view s) {
  crypto_hash_sha512_update(st, reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

}  // namespace

absl::StatusOr<std::string> ExpandMessageXmdSha512(absl::string_view msg, absl::string_view dst,
                                                   size_t len) {
  const size_t ell = (len + kHashBytes - 1) / kHashBytes;
  if (len == 0 || ell > 255 || len > 65535) {
    return absl::InvalidArgumentError("expand_message_xmd: requested length out of range");
  }
  std::string dst_bytes(dst);
  if (dst_bytes.size() > 255) {
    unsigned char h[kHashBytes];
    crypto_hash_sha512_state st;
    crypto_hash_sha512_init(&st);
    Update(&st, "H2C-OVERSIZE-DST-");
    Update(&st, dst_bytes);
    crypto_hash_sha512_final(&st, h);
    dst_bytes.assign(reinterpret_cast<const char*>(h), kHashBytes);
  }
  std::string dst_prime = dst_bytes;
  dst_prime.push_back(static_cast<char>(dst_bytes.size()));

  // b_0 = H(Z_pad || msg || I2OSP(len, 2) || I2OSP(0, 1) || DST_prime)
  unsigned char b0[kHashBytes];
  {
    crypto_hash_sha512_state st;
    crypto_hash_sha512_init(&st);
    Update(&st, std::string(kBlockBytes, '\0'));
    Update(&st, msg);
    const char tail[3] = {static_cast<char>(len >> 8), static_cast<char>(len & 0xff), 0};
    Update(&st, absl::string_view(tail, 3));
    Update(&st, dst_prime);
    crypto_hash_sha512_final(&st, b0);
  }
  std::string out;
  out.reserve(ell * kHashBytes);
  unsigned char prev[kHashBytes] = {0};
  for (size_t i = 1; i <= ell; ++i) {
    // b_i = H(strxor(b_0, b_(i-1)) || I2OSP(i, 1) || DST_prime), b_1 uses b_0.
    unsigned char x[kHashBytes];
    for (size_t j = 0; j < kHashBytes; ++j) x[j] = i == 1 ? b0[j] : (b0[j] ^ prev[j]);
    crypto_hash_sha512_state st;
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, x, kHashBytes);
    const char counter = static_cast<char>(i);
    Update(&st, absl::string_view(&counter, 1));
    Update(&st, dst_prime);
    crypto_hash_sha512_final(&st, prev);
    out.append(reinterpret_cast<const char*>(prev), kHashBytes);
  }
  out.resize(len);
  return out;
}

std::array<unsigned char, 32> HashToRistretto255(absl::string_view msg, absl::string_view dst) {
  std::string uniform = *ExpandMessageXmdSha512(msg, dst, 64);
  std::array<unsigned char, 32> out;
  crypto_core_ristretto255_from_hash(out.data(),
                                     reinterpret_cast<const unsigned char*>(uniform.data()));
  return out;
}

std::array<unsigned char, 32> HashToRistretto255Scalar(absl::string_view msg,
                                                       absl::string_view dst) {
  std::string uniform = *ExpandMessageXmdSha512(msg, dst, 64);
  std::array<unsigned char, 32> out;
  crypto_core_ristretto255_scalar_reduce(out.data(),
                                         reinterpret_cast<const unsigned char*>(uniform.data()));
  sodium_memzero(uniform.data(), uniform.size());
  return out;
}

}  // namespace fedlink::crypto
