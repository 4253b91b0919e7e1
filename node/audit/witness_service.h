// The Witness gRPC service (cosign a peer's checkpoint after checking its
// consistency) and its client. Narrow header: no grpcpp.
#ifndef FEDLINK_NODE_AUDIT_WITNESS_SERVICE_H_
#define FEDLINK_NODE_AUDIT_WITNESS_SERVICE_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "node/audit/audit_log.h"
#include "node/audit/witness.h"
#include "node/federation/peer_client.h"
#include "node/federation/peer_service.h"

namespace fedlink::audit {

// `witness`, `identity` and `log` must outlive the server; every request is
// logged in `log` (the witness's own access log) before it is answered.
federation::PeerServiceFactory WitnessServiceFactory(Witness* witness,
                                                     const crypto::SigningKey* identity,
                                                     AuditLog* log);

// Asks `witness` to cosign `note` (our checkpoint), proving it consistent
// from `old_size`. Returns the cosignature line.
absl::StatusOr<std::string> RequestCosignature(const federation::Self& self,
                                               const federation::Member& witness,
                                               absl::string_view note, uint64_t old_size,
                                               const std::vector<std::string>& proof,
                                               absl::Duration deadline,
                                               std::string* request_digest);

}  // namespace fedlink::audit

#endif  // FEDLINK_NODE_AUDIT_WITNESS_SERVICE_H_
