// Calling peers: one client per peer over roster-pinned mutual TLS, with a
// deadline on every call and retries with exponential backoff for
// idempotent calls (each retry is a freshly signed request), and a fan-out
// that asks every peer in parallel and returns each peer's result or error.
// A slow or dead peer never delays the others past the deadline.
// Narrow header: no grpcpp.
#ifndef FEDLINK_NODE_FEDERATION_PEER_CLIENT_H_
#define FEDLINK_NODE_FEDERATION_PEER_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/identity.h"
#include "crypto/signed_envelope.h"
#include "node/common/clock.h"
#include "node/federation/roster.h"
#include "node/federation/self.h"
#include "node/federation/signed_request.h"
#include "node/tls/tls_identity.h"

namespace fedlink::federation {

struct PingResult {
  std::string node_id;
  absl::Status status;
  absl::Duration latency;
  uint64_t roster_version = 0;
};

// A fresh request header from `self` to `to`: random nonce, the time of
// self's clock, and self's legal basis and official.
Header HeaderFor(const Self& self, absl::string_view to, absl::string_view purpose);

// Fills the header (field 1) of the request `body` from `self` and seals the
// body as a signed request of message `type`.
template <typename Message>
absl::StatusOr<std::string> SealRequest(const Self& self, absl::string_view to,
                                        absl::string_view purpose, absl::string_view type,
                                        Message& body) {
  body.mutable_header()->ParseFromString(SerializeHeader(HeaderFor(self, to, purpose)));
  return crypto::envelope::Seal(*self.identity, type, body.SerializeAsString());
}

class PeerClient {
 public:
  explicit PeerClient(const Self& self, Member peer);
  ~PeerClient();
  PeerClient(const PeerClient&) = delete;
  PeerClient& operator=(const PeerClient&) = delete;

  // A signed Ping; verifies the signed answer names our request's digest.
  PingResult Ping(absl::Duration deadline, int attempts = 3);
  // The peer's installed roster envelope (verify it before use).
  absl::StatusOr<std::string> GetRoster(absl::Duration deadline);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Pings every roster member except `self` in parallel; one result per peer,
// in roster order, all within `deadline`.
std::vector<PingResult> PingAll(const Self& self, const Roster& roster, absl::Duration deadline);

}  // namespace fedlink::federation

#endif  // FEDLINK_NODE_FEDERATION_PEER_CLIENT_H_
