// The Followup gRPC service for the peer server: receives contact requests
// about this node's handles (allowed only for records the policy shares
// with the requester for the purpose) and the owners' replies to this
// node's requests. Narrow header: no grpcpp.
#ifndef FEDLINK_NODE_FOLLOWUP_FOLLOWUP_SERVICE_H_
#define FEDLINK_NODE_FOLLOWUP_FOLLOWUP_SERVICE_H_

#include "crypto/identity.h"
#include "node/audit/audit_log.h"
#include "node/common/clock.h"
#include "node/federation/peer_service.h"
#include "node/followup/followup_store.h"
#include "node/private_match/responder.h"

namespace fedlink::followup {

// All pointers must outlive the server. Every request is logged in `audit`
// (null: not logged) before it is answered.
federation::PeerServiceFactory FollowupServiceFactory(private_match::Responder* responder,
                                                      FollowupStore* store,
                                                      const crypto::SigningKey* identity,
                                                      common::Clock* clock,
                                                      audit::AuditLog* audit = nullptr);

}  // namespace fedlink::followup

#endif  // FEDLINK_NODE_FOLLOWUP_FOLLOWUP_SERVICE_H_
