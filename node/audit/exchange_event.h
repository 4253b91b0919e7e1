// The requester's audit entry for one exchange with a peer: who, what
// purpose, under which legal basis and official, the request's digest (the
// exchange id both logs share) and the outcome.
#ifndef FEDLINK_NODE_AUDIT_EXCHANGE_EVENT_H_
#define FEDLINK_NODE_AUDIT_EXCHANGE_EVENT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "node/audit/audit_log.h"
#include "node/federation/roster.h"
#include "node/federation/self.h"
#include "node/federation/signed_request.h"

namespace fedlink::audit {

inline Event RequesterEvent(const federation::Self& self, const federation::Member& peer,
                            absl::string_view event, absl::string_view purpose,
                            absl::string_view request_digest, uint64_t count,
                            const absl::Status& outcome) {
  Event e;
  e.event = std::string(event);
  e.requester = self.node_id;
  e.responder = peer.node_id;
  e.purpose = std::string(purpose);
  e.legal_basis = self.legal_basis;
  e.official = self.official;
  e.exchange_id = absl::BytesToHexString(request_digest);
  e.request_sha256 = std::string(request_digest);
  e.count = count;
  e.outcome = OutcomeOf(outcome);
  return e;
}

// The responder's entry for a request it received: named by the envelope's
// digest even when the request did not authenticate (`verified` null).
inline Event ResponderEvent(absl::string_view event, absl::string_view responder,
                            absl::string_view envelope,
                            const federation::VerifiedRequest* verified) {
  Event e;
  e.event = std::string(event);
  e.responder = std::string(responder);
  e.request_sha256 = federation::EnvelopeDigest(envelope);
  e.exchange_id = absl::BytesToHexString(e.request_sha256);
  if (verified != nullptr) {
    e.requester = verified->sender.node_id;
    e.purpose = verified->header.purpose;
    e.legal_basis = verified->header.legal_basis;
    e.official = verified->header.official;
  }
  return e;
}

}  // namespace fedlink::audit

#endif  // FEDLINK_NODE_AUDIT_EXCHANGE_EVENT_H_
