#include "crypto/data_key.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"

namespace fedlink::crypto {
namespace {

constexpr char kKdfContext[] = "fl-rest1";  // 8 characters, crypto_kdf's rule
constexpr uint64_t kSealingSubkeyId = 1;
constexpr uint64_t kDigestSubkeyId = 2;

void AppendField(std::string* out, absl::string_view field) {
  const uint32_t n = static_cast<uint32_t>(field.size());
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out->append(field.data(), field.size());
}

}  // namespace

DataKey::~DataKey() {
  sodium_memzero(key_.data(), key_.size());
  sodium_memzero(digest_key_.data(), digest_key_.size());
}

absl::Status DataKey::Derive() {
  char ctx[crypto_kdf_CONTEXTBYTES];
  std::copy(kKdfContext, kKdfContext + crypto_kdf_CONTEXTBYTES, ctx);
  std::array<unsigned char, kSealingKeySize> sealing{};
  crypto_kdf_derive_from_key(sealing.data(), sealing.size(), kSealingSubkeyId, ctx, key_.data());
  auto k = SealingKey::FromBytes(
      absl::string_view(reinterpret_cast<const char*>(sealing.data()), sealing.size()));
  sodium_memzero(sealing.data(), sealing.size());
  if (!k.ok()) return k.status();
  sealing_ = *std::move(k);
  crypto_kdf_derive_from_key(digest_key_.data(), digest_key_.size(), kDigestSubkeyId, ctx,
                             key_.data());
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<DataKey>> DataKey::Generate() {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  std::unique_ptr<DataKey> k(new DataKey());
  randombytes_buf(k->key_.data(), k->key_.size());
  if (auto s = k->Derive(); !s.ok()) return s;
  return k;
}

absl::StatusOr<std::unique_ptr<DataKey>> DataKey::Unwrap(const SealingKey& kek,
                                                         absl::string_view wrapped,
                                                         absl::string_view associated_data) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  auto raw = kek.Open(wrapped, associated_data);
  if (!raw.ok()) return raw.status();
  if (raw->size() != kDataKeySize) {
    sodium_memzero(raw->data(), raw->size());
    return absl::DataLossError("the wrapped data key has the wrong size");
  }
  std::unique_ptr<DataKey> k(new DataKey());
  std::copy(raw->begin(), raw->end(), k->key_.begin());
  sodium_memzero(raw->data(), raw->size());
  if (auto s = k->Derive(); !s.ok()) return s;
  return k;
}

std::string DataKey::Wrap(const SealingKey& kek, absl::string_view associated_data) const {
  return kek.Seal(absl::string_view(reinterpret_cast<const char*>(key_.data()), key_.size()),
                  associated_data);
}

std::string DataKey::LookupDigest(absl::string_view domain, absl::string_view value) const {
  std::string message;
  message.reserve(8 + domain.size() + value.size());
  AppendField(&message, domain);
  AppendField(&message, value);
  std::string out(kLookupDigestSize, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                     digest_key_.data(), digest_key_.size());
  sodium_memzero(message.data(), message.size());
  return out;
}

std::unique_ptr<StreamKey> DataKey::BackupStreamKey() const {
  constexpr char kBackupContext[] = "fl-back1";  // 8 characters
  constexpr uint64_t kBackupSubkeyId = 1;
  std::unique_ptr<StreamKey> k(new StreamKey());
  crypto_kdf_derive_from_key(k->key_.data(), k->key_.size(), kBackupSubkeyId, kBackupContext,
                             key_.data());
  return k;
}

std::string RowPlace(absl::string_view table, absl::string_view row_key, absl::string_view column,
                     uint32_t version) {
  std::string out = "fedlink-row v1";
  AppendField(&out, table);
  AppendField(&out, row_key);
  AppendField(&out, column);
  AppendField(&out, absl::StrCat(version));
  return out;
}

absl::StatusOr<std::unique_ptr<SealingKey>> KeyFromPassphrase(absl::string_view passphrase,
                                                              absl::string_view salt,
                                                              uint64_t opslimit,
                                                              uint64_t memlimit) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  if (salt.size() != crypto_pwhash_SALTBYTES) {
    return absl::InvalidArgumentError("passphrase salt must be 16 bytes");
  }
  if (opslimit < crypto_pwhash_OPSLIMIT_MIN || opslimit > crypto_pwhash_OPSLIMIT_MAX ||
      memlimit < crypto_pwhash_MEMLIMIT_MIN || memlimit > crypto_pwhash_MEMLIMIT_MAX) {
    return absl::InvalidArgumentError("passphrase hashing limits out of range");
  }
  std::array<unsigned char, kSealingKeySize> kek{};
  if (crypto_pwhash(kek.data(), kek.size(), passphrase.data(), passphrase.size(),
                    reinterpret_cast<const unsigned char*>(salt.data()), opslimit,
                    static_cast<size_t>(memlimit), crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("Argon2id could not get its memory");
  }
  auto k = SealingKey::FromBytes(
      absl::string_view(reinterpret_cast<const char*>(kek.data()), kek.size()));
  sodium_memzero(kek.data(), kek.size());
  return k;
}

uint64_t DefaultPassphraseOpsLimit() { return crypto_pwhash_OPSLIMIT_MODERATE; }
uint64_t DefaultPassphraseMemLimit() { return crypto_pwhash_MEMLIMIT_MODERATE; }

}  // namespace fedlink::crypto
