// Extra gRPC services on the peer server (the Match service, ...), added
// without the federation module depending on them: the server passes each
// factory a PeerAuth that authenticates signed requests exactly as its own
// Federation service does. Narrow header: grpc types are only declared.
#ifndef FEDLINK_NODE_FEDERATION_PEER_SERVICE_H_
#define FEDLINK_NODE_FEDERATION_PEER_SERVICE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/federation/signed_request.h"

namespace grpc {
class ServerContext;
class Service;
class Channel;
}  // namespace grpc

namespace fedlink::federation {

class PeerAuth {
 public:
  virtual ~PeerAuth() = default;
  // Verifies a signed request arriving on `context`: roster membership,
  // signature, TLS certificate pin, recipient, freshness, replay.
  virtual absl::StatusOr<VerifiedRequest> Verify(const grpc::ServerContext& context,
                                                 absl::string_view envelope,
                                                 absl::string_view message_type) const = 0;
  // The TLS client of `context`, for requests that do not authenticate: the
  // roster node id its certificate is pinned for, else "sha256:" and the
  // certificate's fingerprint ("" without a client certificate).
  virtual std::string TlsPeer(const grpc::ServerContext& context) const = 0;
};

using PeerServiceFactory =
    std::function<absl::StatusOr<std::unique_ptr<grpc::Service>>(const PeerAuth& auth)>;

struct Self;
// A roster-pinned mutual-TLS channel to `peer` (for clients of extra
// services), with the same limits and keepalives as PeerClient's.
std::shared_ptr<grpc::Channel> OpenPeerChannel(const Self& self, const Member& peer);

}  // namespace fedlink::federation

#endif  // FEDLINK_NODE_FEDERATION_PEER_SERVICE_H_
