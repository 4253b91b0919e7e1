// Authenticated encryption (XChaCha20-Poly1305-IETF, random 24-byte nonces)
// and key derivation with explicit context labels, from libsodium.
//
// Sealed format: nonce (24 bytes) || ciphertext || tag (16 bytes).
//
// Key derivation:
//  - SealingKey::DeriveSubkey(id, context): crypto_kdf_derive_from_key with
//    an 8-character context label, for subkeys of a stored master key.
//  - DeriveBytes(key material, label, n): keyed BLAKE2b (crypto_generichash)
//    of the label, for short values derived from high-entropy inputs such as
//    OPRF outputs (tags, masks, payload keys).
//
// Security: keys are wiped on destruction; Open fails (DataLoss) on any
// tampering, truncation, wrong key or wrong associated data.
#ifndef FEDLINK_CRYPTO_AEAD_H_
#define FEDLINK_CRYPTO_AEAD_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fedlink::crypto {

inline constexpr size_t kSealingKeySize = 32;
inline constexpr size_t kSealOverhead = 24 + 16;

class SealingKey {
 public:
  static std::unique_ptr<SealingKey> Generate();
  static absl::StatusOr<std::unique_ptr<SealingKey>> FromBytes(absl::string_view key);
  SealingKey(const SealingKey&) = delete;
  SealingKey& operator=(const SealingKey&) = delete;
  ~SealingKey();

  // `context` must be exactly 8 printable characters (libsodium's rule).
  absl::StatusOr<std::unique_ptr<SealingKey>> DeriveSubkey(uint64_t id,
                                                           absl::string_view context) const;

  std::string Seal(absl::string_view plaintext, absl::string_view associated_data) const;
  absl::StatusOr<std::string> Open(absl::string_view sealed,
                                   absl::string_view associated_data) const;

 private:
  SealingKey() = default;
  std::array<unsigned char, kSealingKeySize> key_{};
};

// n bytes (16..64) of keyed BLAKE2b(key = key_material, message = label).
// key_material must be 16..64 bytes.
absl::StatusOr<std::string> DeriveBytes(absl::string_view key_material, absl::string_view label,
                                        size_t n);

}  // namespace fedlink::crypto

#endif  // FEDLINK_CRYPTO_AEAD_H_
