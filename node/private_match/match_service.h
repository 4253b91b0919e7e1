// The Match gRPC service (GetTagTable with deltas, Evaluate, EvaluateStream)
// over a Responder, for the peer server: it authenticates each signed
// request with the server's PeerAuth, takes the peer's identity and role
// from the roster, and signs every chunk and answer with the node's identity
// key, naming the request's digest. Narrow header: no grpcpp.
#ifndef FEDLINK_NODE_PRIVATE_MATCH_MATCH_SERVICE_H_
#define FEDLINK_NODE_PRIVATE_MATCH_MATCH_SERVICE_H_

#include "crypto/identity.h"
#include "node/audit/audit_log.h"
#include "node/federation/peer_service.h"
#include "node/private_match/responder.h"

namespace fedlink::private_match {

inline constexpr size_t kSlotsPerChunk = 4096;

// `responder`, `identity` and `audit` must outlive the server. Every
// request, answered or refused, is logged in `audit` before the answer
// leaves; if logging fails the request is refused (UNAVAILABLE). `audit`
// may be null (benchmarks).
federation::PeerServiceFactory MatchServiceFactory(Responder* responder,
                                                   const crypto::SigningKey* identity,
                                                   audit::AuditLog* audit = nullptr);

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_MATCH_SERVICE_H_
