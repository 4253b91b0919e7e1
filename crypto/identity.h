// Ed25519 identities: node keys, roster-signing keys and their verifier
// keys, in the C2SP signed-note formats.
//
// Key file (one line, mode 0600, the Go note signer-key text form):
//   PRIVATE+KEY+<name>+<key id, 8 hex>+<base64(0x01 || 32-byte seed)>
// Verifier key (C2SP signed-note "vkey"):
//   <name>+<key id, 8 hex>+<base64(0x01 || 32-byte public key)>
// Key id = SHA-256(name || 0x0A || 0x01 || public key)[:4], big-endian.
//
// Security: the secret key lives in a SigningKey only, is wiped with
// sodium_memzero on destruction, and has no accessor or operator<<. Key files
// readable or writable by anyone but the owner are refused.
//
// Thread-safety: SigningKey is immutable after creation; Sign() may be
// called concurrently.
//
//   ASSIGN_OR_RETURN(auto key, SigningKey::Generate("police-1"));
//   RETURN_IF_ERROR(key->SaveToFile(dir + "/identity.key"));
//   std::string sig = key->Sign(message);
//   RETURN_IF_ERROR(VerifySignature(key->public_key(), message, sig));
#ifndef FEDLINK_CRYPTO_IDENTITY_H_
#define FEDLINK_CRYPTO_IDENTITY_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/aead.h"

namespace fedlink::crypto {

inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;
inline constexpr uint8_t kSignatureTypeEd25519 = 0x01;

// Key names: non-empty, no spaces, no '+', printable ASCII (C2SP rules,
// narrowed to ASCII).
absl::Status ValidateKeyName(absl::string_view name);

// The C2SP key id of an Ed25519 key.
uint32_t Ed25519KeyId(absl::string_view name, absl::string_view public_key);

class SigningKey {
 public:
  static absl::StatusOr<std::unique_ptr<SigningKey>> Generate(absl::string_view name);
  // Deterministic key from a 32-byte seed (tests and known answers).
  static absl::StatusOr<std::unique_ptr<SigningKey>> FromSeed(absl::string_view name,
                                                              absl::string_view seed);
  // Loads a key file, refusing modes looser than 0600 (PermissionDenied),
  // missing files (NotFound) and malformed ones (DataLoss). Errors name the
  // path, never key material.
  // With `file_key`, the file must be sealed under it (sealed_file.h, named
  // by the path's last component); without, it must be in the clear
  // (FailedPrecondition for a sealed file: the node's key source is needed).
  static absl::StatusOr<std::unique_ptr<SigningKey>> LoadFromFile(
      const std::string& path, const SealingKey* file_key = nullptr);
  // Parses the key-file text form.
  static absl::StatusOr<std::unique_ptr<SigningKey>> Parse(absl::string_view text);

  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;
  ~SigningKey();

  // Writes the key file with mode 0600; never overwrites (AlreadyExists).
  // With `file_key`, the file is sealed under it (sealed_file.h).
  absl::Status SaveToFile(const std::string& path, const SealingKey* file_key = nullptr) const;

  const std::string& name() const { return name_; }
  std::string public_key() const;  // 32 bytes
  uint32_t key_id() const { return key_id_; }
  std::string VerifierKey() const;                    // C2SP vkey text
  std::string Sign(absl::string_view message) const;  // 64 bytes

 private:
  SigningKey() = default;
  std::string name_;
  uint32_t key_id_ = 0;
  std::array<unsigned char, 64> secret_{};  // libsodium seed || public key
};

// A parsed C2SP Ed25519 verifier key.
struct Verifier {
  std::string name;
  uint32_t key_id = 0;
  std::string public_key;  // 32 bytes

  static absl::StatusOr<Verifier> Parse(absl::string_view vkey);
  std::string ToString() const;
  absl::Status Verify(absl::string_view message, absl::string_view signature) const;
};

// Verifies a detached Ed25519 signature. PermissionDenied-free: a bad
// signature is Unauthenticated; malformed key/signature sizes are
// InvalidArgument.
absl::Status VerifySignature(absl::string_view public_key, absl::string_view message,
                             absl::string_view signature);

}  // namespace fedlink::crypto

#endif  // FEDLINK_CRYPTO_IDENTITY_H_
