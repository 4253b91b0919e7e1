// Sending follow-ups to a peer over roster-pinned mutual TLS: a contact
// request about one of its handles, or this node's reply to a request it
// received. Each is signed; the peer's signed receipt must name our request.
// Narrow header: no grpcpp.
#ifndef FEDLINK_NODE_FOLLOWUP_FOLLOWUP_CLIENT_H_
#define FEDLINK_NODE_FOLLOWUP_FOLLOWUP_CLIENT_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "node/audit/audit_log.h"
#include "node/federation/peer_client.h"
#include "node/followup/followup_store.h"

namespace fedlink::followup {

// Each exchange is logged in `audit` (if not null) with the peer's signed
// receipt (a digest and an id) and, for a contact request and a reply, the
// commitment to its content under `c.salt` (content_commitment.h), never the
// content; a send whose entry cannot be written reports the logging error.
absl::Status SendContact(const federation::Self& self, const federation::Member& owner,
                         const Contact& c, absl::Duration deadline,
                         audit::AuditLog* audit = nullptr);
absl::Status SendReply(const federation::Self& self, const federation::Member& requester,
                       const Contact& c, absl::Duration deadline, audit::AuditLog* audit = nullptr);

// Mutual notice: tells `owner` which of its handles matched for `purpose`
// (in several notices of at most kMaxNoticeHandles each).
absl::Status SendMatchNotice(const federation::Self& self, const federation::Member& owner,
                             absl::string_view purpose, const std::vector<std::string>& handles,
                             absl::Duration deadline, audit::AuditLog* audit = nullptr);

// GDPR Art. 19 notice that a survivor withdrew consent (see
// FollowupStore::Revocation); OK once the peer's signed receipt is back.
absl::Status SendRevocation(const federation::Self& self, const federation::Member& peer,
                            const FollowupStore::Revocation& r, absl::Duration deadline,
                            audit::AuditLog* audit = nullptr);

}  // namespace fedlink::followup

#endif  // FEDLINK_NODE_FOLLOWUP_FOLLOWUP_CLIENT_H_
