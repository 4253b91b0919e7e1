// The Audit gRPC service: an auditor member fetches a node's export (signed
// chunks), where the node allows it; and the auditor's client. Narrow
// header: no grpcpp.
#ifndef FEDLINK_NODE_AUDIT_EXPORT_SERVICE_H_
#define FEDLINK_NODE_AUDIT_EXPORT_SERVICE_H_

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "node/audit/audit_log.h"
#include "node/federation/peer_client.h"
#include "node/federation/peer_service.h"

namespace fedlink::audit {

// Who may fetch this node's export over gRPC (an auditor member the policy
// allows); OK or the refusal.
using ExportAuthorizer = std::function<absl::Status(const federation::Member&)>;
// The Audit service: streams this node's export in signed chunks.
federation::PeerServiceFactory AuditServiceFactory(AuditLog* log,
                                                   const crypto::SigningKey* identity,
                                                   ExportAuthorizer authorize);
// An auditor's fetch of `node`'s export; verifies it against the node's
// roster key before returning it.
absl::StatusOr<std::string> FetchExport(const federation::Self& self,
                                        const federation::Member& node, absl::Duration deadline);

}  // namespace fedlink::audit

#endif  // FEDLINK_NODE_AUDIT_EXPORT_SERVICE_H_
