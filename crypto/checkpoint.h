// C2SP transparency-log checkpoints (c2sp.org/tlog-checkpoint) and Ed25519
// cosignatures (c2sp.org/tlog-cosignature, signature type 0x04).
//
// Checkpoint body: "<origin>\n<tree size>\n<base64 root hash>\n[ext lines]".
// Cosignature: key id = SHA-256(name || "\n" || 0x04 || pk)[:4]; signature
// bytes = timestamp (u64, big-endian) || Ed25519 signature over
// "cosignature/v1\ntime <timestamp>\n" || checkpoint body.
#ifndef FEDLINK_CRYPTO_CHECKPOINT_H_
#define FEDLINK_CRYPTO_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/identity.h"
#include "crypto/signed_note.h"

namespace fedlink::crypto::checkpoint {

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  std::string root_hash;  // 32 bytes
  std::vector<std::string> extensions;

  std::string Body() const;
  static absl::StatusOr<Checkpoint> ParseBody(absl::string_view text);
};

// A checkpoint note signed by the log's key.
absl::StatusOr<std::string> Sign(const Checkpoint& checkpoint, const SigningKey& log_key);
// Verifies the log's signature and parses the body. The key's name must
// equal the origin (fedlink's rule: one key per log).
absl::StatusOr<Checkpoint> Verify(absl::string_view note, const Verifier& log_key);

uint32_t CosignatureKeyId(absl::string_view name, absl::string_view public_key);
std::string CosignedMessage(absl::string_view body, uint64_t timestamp);

struct Cosignature {
  std::string name;
  uint32_t key_id = 0;
  uint64_t timestamp = 0;
  std::string signature;  // 64-byte Ed25519 signature
};

// A cosignature by `witness` over the checkpoint body at `timestamp`.
note::SignatureLine Cosign(const Checkpoint& checkpoint, const SigningKey& witness,
                           uint64_t timestamp);
// Interprets a note signature line as an Ed25519 cosignature.
absl::StatusOr<Cosignature> ParseCosignature(const note::SignatureLine& line);
// Verifies a cosignature by the witness with `public_key` over `checkpoint`.
absl::Status VerifyCosignature(const Checkpoint& checkpoint, const Cosignature& cosignature,
                               absl::string_view public_key);

}  // namespace fedlink::crypto::checkpoint

#endif  // FEDLINK_CRYPTO_CHECKPOINT_H_
