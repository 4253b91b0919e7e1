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
#include "node/common/clock.h"
#include "node/federation/roster.h"
#include "node/tls/tls_identity.h"

namespace fedlink::federation {

struct Self {
  std::string node_id;
  const SigningKey* identity = nullptr;
  tls::TlsIdentity tls;
  Clock* clock = nullptr;
  // Carried in every request header and logged by both nodes.
  std::string legal_basis = "";
  std::string official = "";
};

struct PingResult {
  std::string node_id;
  absl::Status status;
  absl::Duration latency;
  uint64_t roster_version = 0;
};

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
std::vector<PingResult> PingAll(const Self& self, const Roster& roster,
                                absl::Duration deadline);

}  // namespace fedlink::federation

#endif  // FEDLINK_NODE_FEDERATION_PEER_CLIENT_H_
