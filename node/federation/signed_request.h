// Signed, replay-proof peer requests and signed answers (no gRPC here).
//
// A request body is a serialized protobuf whose field 1 is a RequestHeader
// {from, to, purpose, nonce, issued_at}; the sender signs the exact bytes in
// a signed envelope whose context names the message type. The responder
// (RequestVerifier) accepts it only if:
//   - the signer is a member of the installed roster (unknown or removed
//     members are refused),
//   - the envelope signature verifies under that member's identity key and
//     the header's `from` is that member,
//   - the TLS client certificate of the connection is the one the roster
//     lists for that member,
//   - `to` is this node,
//   - issued_at is within the clock-skew window (default 5 minutes),
//   - the nonce was not seen before (kept durably for the window),
//   - the header's purpose, legal basis and official are short (they go
//     into both nodes' audit logs): at most kMaxPurposeBytes,
//     kMaxLegalBasisBytes and kMaxOfficialBytes.
// Every answer is signed by the responder and names the SHA-256 of the
// request envelope it answers.
#ifndef FEDLINK_NODE_FEDERATION_SIGNED_REQUEST_H_
#define FEDLINK_NODE_FEDERATION_SIGNED_REQUEST_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crypto/identity.h"
#include "node/common/clock.h"
#include "node/federation/nonce_store.h"
#include "node/federation/roster.h"

namespace fedlink::federation {

inline constexpr absl::Duration kDefaultSkew = absl::Minutes(5);
inline constexpr size_t kMaxPurposeBytes = 64;
inline constexpr size_t kMaxLegalBasisBytes = 256;
inline constexpr size_t kMaxOfficialBytes = 128;

struct Header {
  std::string from;
  std::string to;
  std::string purpose;
  std::string nonce;
  absl::Time issued_at;
  std::string legal_basis = "";  // logged by both nodes (Prüm, LED Art. 25)
  std::string official = "";     // pseudonymous id of the requesting official
};

// A fresh header from `from` to `to` with a random 16-byte nonce.
Header NewHeader(absl::string_view from, absl::string_view to, absl::string_view purpose,
                 absl::Time now);
// Serialized fedlink.v1.RequestHeader, for building request bodies.
std::string SerializeHeader(const Header& header);

// SHA-256 of an envelope (the digest answers refer to).
std::string EnvelopeDigest(absl::string_view envelope);

struct VerifiedRequest {
  Header header;
  std::string body;    // the exact signed body bytes
  std::string digest;  // SHA-256 of the request envelope
  Member sender;
};

// Purposes are 1-64 of [a-z0-9._-] (as a sharing policy declares them): a
// request naming another is refused before it is acted on or logged.
absl::Status ValidatePurpose(absl::string_view purpose);

// Returns the currently installed roster (reloaded when it changes).
using RosterSource = std::function<absl::StatusOr<std::shared_ptr<const Roster>>()>;

// Thread-safe.
class RequestVerifier {
 public:
  RequestVerifier(std::string self_id, RosterSource roster, NonceStore* nonces,
                  common::Clock* clock, absl::Duration skew = kDefaultSkew)
      : self_id_(std::move(self_id)),
        roster_(std::move(roster)),
        nonces_(nonces),
        clock_(clock),
        skew_(skew) {}

  // `tls_peer_sha256`: fingerprint of the connection's client certificate
  // (lower-case hex). Errors: FailedPrecondition (this node has no usable
  // roster: the message says which RosterProblem), PermissionDenied
  // (unknown/revoked member, signer or recipient not a valid node id, TLS
  // mismatch, wrong recipient), Unauthenticated (bad signature),
  // DeadlineExceeded (stale), AlreadyExists (replay), InvalidArgument
  // (malformed; a purpose outside [a-z0-9._-]).
  absl::StatusOr<VerifiedRequest> Verify(absl::string_view envelope, absl::string_view context,
                                         absl::string_view tls_peer_sha256) const;

 private:
  std::string self_id_;
  RosterSource roster_;
  NonceStore* nonces_;
  common::Clock* clock_;
  absl::Duration skew_;
};

// Why a request was refused before it authenticated, as a fixed code that
// an audit entry may keep ("not-a-member", "bad-signature", "replayed", ...):
// never text the peer chose. Refusals of RequestVerifier::Verify carry their
// code; any other status is named by its status code ("unauthenticated").
absl::string_view RefusalReason(const absl::Status& refusal);
// `refusal` tagged with the fixed code `reason` (one of RefusalReason's).
absl::Status WithRefusalReason(absl::Status refusal, absl::string_view reason);

// The client's check of a signed answer: signed by `responder`, for the
// request whose envelope digest is `request_digest` (the answer body's
// `digest_field` must hold it; the caller extracts it after Open).
absl::StatusOr<std::string> OpenAnswer(absl::string_view envelope, absl::string_view context,
                                       const Member& responder);

}  // namespace fedlink::federation

#endif  // FEDLINK_NODE_FEDERATION_SIGNED_REQUEST_H_
