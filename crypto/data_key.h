// A node's data key: the one secret under which everything personal the
// node keeps at rest is sealed (node.db's records, the OPRF seed, the
// identity and TLS private keys), itself stored only wrapped by a
// key-encryption key that lives outside the node directory (a key file on
// another volume, a passphrase, a systemd credential: node/config/key_source.h).
//
// From the 32-byte data key, crypto_kdf derives one subkey per use, so no key
// serves two purposes:
//   id 1, context "fl-rest1": the XChaCha20-Poly1305-IETF sealing key of
//         rows and files (aead.h, random 24-byte nonces);
//   id 2, context "fl-rest1": the BLAKE2b (crypto_generichash) key of the
//         lookup digests that replace searchable values (external ids).
//
// Associated data binds each sealed value to its place (RowPlace, and
// sealed_file.h for files): a ciphertext copied to another row, column or
// file, or swapped with another record's, does not open.
//
// Security: keys are wiped on destruction and have no accessor or
// operator<<; Open fails (DataLoss) on tampering, truncation, a wrong key or
// a wrong place. Thread-safety: immutable after creation, use from any thread.
//
//   auto key = DataKey::Generate();
//   std::string sealed = key->sealing().Seal(row, RowPlace("records", rk, "person", 1));
//   std::string rk = key->LookupDigest("records.external_id", external_id);
#ifndef FEDLINK_CRYPTO_DATA_KEY_H_
#define FEDLINK_CRYPTO_DATA_KEY_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/aead.h"
#include "crypto/secret_stream.h"

namespace fedlink::crypto {

inline constexpr size_t kDataKeySize = 32;
inline constexpr size_t kLookupDigestSize = 32;

class DataKey {
 public:
  static absl::StatusOr<std::unique_ptr<DataKey>> Generate();
  // Opens a data key wrapped by Wrap with the same key-encryption key and
  // associated data; DataLoss if the wrapping was altered or the KEK is
  // wrong.
  static absl::StatusOr<std::unique_ptr<DataKey>> Unwrap(const SealingKey& kek,
                                                         absl::string_view wrapped,
                                                         absl::string_view associated_data);
  DataKey(const DataKey&) = delete;
  DataKey& operator=(const DataKey&) = delete;
  ~DataKey();

  // The data key sealed under `kek` (nonce || ciphertext || tag).
  std::string Wrap(const SealingKey& kek, absl::string_view associated_data) const;

  // The sealing key for rows and files.
  const SealingKey& sealing() const { return *sealing_; }
  // kLookupDigestSize bytes of keyed BLAKE2b over (domain, value): equal
  // values give equal digests under one data key, and without the key a
  // digest tells nothing about its value (not even a guessed one).
  std::string LookupDigest(absl::string_view domain, absl::string_view value) const;
  // The secretstream key of the node's backups: crypto_kdf id 1, context
  // "fl-back1" (its own context, so no backup key is a row or digest key).
  std::unique_ptr<StreamKey> BackupStreamKey() const;

 private:
  DataKey() = default;
  absl::Status Derive();
  std::array<unsigned char, kDataKeySize> key_{};
  std::unique_ptr<SealingKey> sealing_;
  std::array<unsigned char, 32> digest_key_{};
};

// The associated data of a sealed column value: its table, its row key (a
// lookup digest), its column and the format version, each length-prefixed so
// no two places share an encoding.
std::string RowPlace(absl::string_view table, absl::string_view row_key, absl::string_view column,
                     uint32_t version);

// A key-encryption key from a passphrase: Argon2id (crypto_pwhash_ALG_ARGON2ID13)
// with the given salt (crypto_pwhash_SALTBYTES = 16 bytes) and limits.
// InvalidArgument for a salt of the wrong size or limits libsodium refuses;
// ResourceExhausted if the memory cannot be had.
absl::StatusOr<std::unique_ptr<SealingKey>> KeyFromPassphrase(absl::string_view passphrase,
                                                              absl::string_view salt,
                                                              uint64_t opslimit, uint64_t memlimit);
inline constexpr size_t kPassphraseSaltSize = 16;
// libsodium's "moderate" Argon2id limits (3 passes, 256 MiB): about a second
// per opening on a server core, what an operator pays once per command.
uint64_t DefaultPassphraseOpsLimit();
uint64_t DefaultPassphraseMemLimit();

}  // namespace fedlink::crypto

#endif  // FEDLINK_CRYPTO_DATA_KEY_H_
