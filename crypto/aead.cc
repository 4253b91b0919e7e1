#include "crypto/aead.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"

namespace fedlink::crypto {
namespace {

const unsigned char* U(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

SealingKey::~SealingKey() { sodium_memzero(key_.data(), key_.size()); }

std::unique_ptr<SealingKey> SealingKey::Generate() {
  if (sodium_init() < 0) return nullptr;
  std::unique_ptr<SealingKey> k(new SealingKey());
  crypto_aead_xchacha20poly1305_ietf_keygen(k->key_.data());
  return k;
}

absl::StatusOr<std::unique_ptr<SealingKey>> SealingKey::FromBytes(absl::string_view key) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  if (key.size() != kSealingKeySize) {
    return absl::InvalidArgumentError("sealing key must be 32 bytes");
  }
  std::unique_ptr<SealingKey> k(new SealingKey());
  std::copy(key.begin(), key.end(), k->key_.begin());
  return k;
}

absl::StatusOr<std::unique_ptr<SealingKey>> SealingKey::DeriveSubkey(
    uint64_t id, absl::string_view context) const {
  if (context.size() != crypto_kdf_CONTEXTBYTES) {
    return absl::InvalidArgumentError("KDF context label must be exactly 8 characters");
  }
  std::unique_ptr<SealingKey> k(new SealingKey());
  char ctx[crypto_kdf_CONTEXTBYTES];
  std::copy(context.begin(), context.end(), ctx);
  crypto_kdf_derive_from_key(k->key_.data(), k->key_.size(), id, ctx, key_.data());
  return k;
}

std::string SealingKey::Seal(absl::string_view plaintext, absl::string_view associated_data) const {
  std::string out(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plaintext.size() +
                      crypto_aead_xchacha20poly1305_ietf_ABYTES,
                  '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &written, U(plaintext),
      plaintext.size(), U(associated_data), associated_data.size(), nullptr, nonce, key_.data());
  return out;
}

absl::StatusOr<std::string> SealingKey::Open(absl::string_view sealed,
                                             absl::string_view associated_data) const {
  if (sealed.size() < kSealOverhead) {
    return absl::DataLossError("sealed data is truncated");
  }
  std::string out(sealed.size() - kSealOverhead, '\0');
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &written, nullptr,
          U(sealed.substr(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)),
          sealed.size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, U(associated_data),
          associated_data.size(), U(sealed), key_.data()) != 0) {
    sodium_memzero(out.data(), out.size());
    return absl::DataLossError("sealed data does not open (tampered, or wrong key)");
  }
  out.resize(written);
  return out;
}

absl::StatusOr<std::string> DeriveBytes(absl::string_view key_material, absl::string_view label,
                                        size_t n) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  if (key_material.size() < crypto_generichash_KEYBYTES_MIN ||
      key_material.size() > crypto_generichash_KEYBYTES_MAX) {
    return absl::InvalidArgumentError("key material must be 16 to 64 bytes");
  }
  if (n < crypto_generichash_BYTES_MIN || n > crypto_generichash_BYTES_MAX) {
    return absl::InvalidArgumentError("derived length must be 16 to 64 bytes");
  }
  std::string out(n, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), n, U(label), label.size(),
                     U(key_material), key_material.size());
  return out;
}

}  // namespace fedlink::crypto
