// The audit entries of exchanges with peers. The requester's: who, what
// purpose, under which legal basis and official, the request's digest (the
// exchange id both logs share) and the outcome. The responder's: the same
// from the verified request, or a fixed-size refusal entry for a request that
// did not authenticate.
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

// The responder's entry for a request that authenticated, named by the
// envelope's digest.
inline Event ResponderEvent(absl::string_view event, absl::string_view responder,
                            const federation::VerifiedRequest& verified) {
  Event e;
  e.event = std::string(event);
  e.responder = std::string(responder);
  e.request_sha256 = verified.digest;
  e.exchange_id = absl::BytesToHexString(e.request_sha256);
  e.requester = verified.sender.node_id;
  e.purpose = verified.header.purpose;
  e.legal_basis = verified.header.legal_basis;
  e.official = verified.header.official;
  return e;
}

// The responder's entry for a request refused before it authenticated: small
// and of bounded size whatever the request held. It names the TLS client
// that sent it (`tls_peer`), the method (`request_type`, a constant of the
// service), the refusal's fixed reason code and the envelope's digest, and
// keeps nothing the request said: no bytes, no claimed sender, purpose or
// text of the peer's choosing.
inline Event RefusalEvent(absl::string_view event, absl::string_view responder,
                          absl::string_view request_type, absl::string_view envelope,
                          std::string tls_peer, const absl::Status& refusal) {
  Event e;
  e.event = std::string(event);
  e.responder = std::string(responder);
  e.request_sha256 = federation::EnvelopeDigest(envelope);
  e.exchange_id = absl::BytesToHexString(e.request_sha256);
  e.tls_peer = std::move(tls_peer);
  e.outcome = absl::StrCat(absl::StatusCodeToString(refusal.code()), ": ",
                           federation::RefusalReason(refusal));
  e.detail = absl::StrCat("unauthenticated ", request_type, " from TLS peer ",
                          e.tls_peer.empty() ? "(none)" : e.tls_peer);
  return e;
}

}  // namespace fedlink::audit

#endif  // FEDLINK_NODE_AUDIT_EXCHANGE_EVENT_H_
