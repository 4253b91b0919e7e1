#include "crypto/password_hash.h"

#include <sodium.h>

#include <array>

namespace fedlink::crypto {

absl::StatusOr<std::string> HashPassword(absl::string_view password) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str(out.data(), password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return absl::ResourceExhaustedError("not enough memory to hash a password (Argon2id, 64 MiB)");
  }
  return std::string(out.data());
}

bool VerifyPassword(absl::string_view hash, absl::string_view password) {
  if (sodium_init() < 0) return false;
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string terminated(hash);  // crypto_pwhash_str_verify reads a C string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

const std::string& DummyPasswordHash() {
  static const std::string* hash = [] {
    std::array<unsigned char, 32> random{};
    if (sodium_init() >= 0) randombytes_buf(random.data(), random.size());
    auto h = HashPassword(
        absl::string_view(reinterpret_cast<const char*>(random.data()), random.size()));
    return new std::string(h.ok() ? *h : "");
  }();
  return *hash;
}

}  // namespace fedlink::crypto
