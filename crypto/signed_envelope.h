// Signed envelopes: the exact serialized bytes of a message (a protobuf
// body, in practice) signed with an Ed25519 node key under a
// domain-separation context. Verification checks the bytes as received and
// hands back exactly those bytes: nothing is re-serialised before checking.
//
// Wire format (all lengths big-endian):
//   "FLE1" || u16 len(context) || context || u16 len(signer) || signer
//          || u32 key id || u32 len(body) || body || signature[64]
// Signed message:
//   "fedlink-envelope-v1\n" || u16 len(context) || context || u32 len(body) ||
//   body
//
// The context names the message type and purpose ("fedlink.v1.Roster",
// "fedlink.v1.EvaluateRequest"), so a signature for one can never be
// replayed as another. Freshness and replay are the caller's to check.
#ifndef FEDLINK_CRYPTO_SIGNED_ENVELOPE_H_
#define FEDLINK_CRYPTO_SIGNED_ENVELOPE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/identity.h"

namespace fedlink::crypto::envelope {

inline constexpr size_t kMaxBodySize = 64 << 20;

struct Envelope {
  std::string context;
  std::string signer;  // key name
  uint32_t key_id = 0;
  std::string body;
  std::string signature;
};

// Signs and encodes. InvalidArgument if context or body are too long.
absl::StatusOr<std::string> Seal(const SigningKey& key, absl::string_view context,
                                 absl::string_view body);
// Structure only: verifies nothing.
absl::StatusOr<Envelope> Parse(absl::string_view bytes);
// The signer's key name, without copying the body (structure only).
absl::StatusOr<std::string> Signer(absl::string_view bytes);
// Parses, checks the context and the signer's name and key id against
// `signer`, verifies the signature and returns the body bytes.
absl::StatusOr<std::string> Open(absl::string_view bytes, absl::string_view context,
                                 const Verifier& signer);

}  // namespace fedlink::crypto::envelope

#endif  // FEDLINK_CRYPTO_SIGNED_ENVELOPE_H_
