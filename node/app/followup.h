// Follow-up after a hit: the requester asks the owner of a handle for contact;
// the owner sees the request in its inbox and accepts or declines it; both
// nodes keep the request and the decision. Prüm II expects the data behind a
// hit within 48 hours, so the inbox shows each request's time since the hit.
#ifndef FEDLINK_NODE_APP_FOLLOWUP_H_
#define FEDLINK_NODE_APP_FOLLOWUP_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/app/node.h"
#include "node/followup/followup_store.h"

namespace fedlink::app {

inline constexpr absl::Duration kPrumWindow = absl::Hours(48);

struct ContactRequest {
  std::string peer;    // the owner of the handle
  std::string handle;  // from a match or lookup result
  std::string reason;  // shown to the owner; no personal data
  Actor actor;
  // The supervisor who approved it, when the policy requires approval
  // (contact_approval.h); must be an enabled supervisor. Empty: none.
  std::string approved_by;
  // Empty for a new request; a held request being approved keeps its id.
  std::string id;
};

// Sends a signed contact request about a hit recorded by a match, and keeps
// it as outgoing. Refused (FailedPrecondition) if the own record behind the
// hit is gone or no longer consents to the hit's purpose; InvalidArgument if
// there is no such hit. Nothing is kept unless the owner received it.
// When the node's policy requires a supervisor's approval, refused
// (FailedPrecondition) without `approved_by`, PermissionDenied unless it
// names an enabled supervisor; the approval is logged as contact.approve
// with the send's outcome. RequestContact (contact_approval.h) holds a
// request for approval instead.
absl::StatusOr<followup::Contact> SendContactRequest(Node& node, const ContactRequest& request);
// What SendContactRequest checks before sending (the hit, the record's
// consent), and the request it would send; sends and keeps nothing.
absl::StatusOr<followup::Contact> CheckContactRequest(Node& node, const ContactRequest& request);

// Per peer and purpose: how many of our records a peer matched (mutual
// notices), and the latest.
struct NoticeSummary {
  std::string peer;
  std::string purpose;
  size_t count = 0;
  absl::Time latest;
};

struct Inbox {
  std::vector<followup::Contact> incoming;
  std::vector<NoticeSummary> notices;  // by peer, then purpose
  std::vector<followup::Contact> outgoing;
};
absl::StatusOr<Inbox> ReadInbox(Node& node);

struct Decision {
  std::string contact_id;  // an incoming, pending request
  bool accept = false;
  std::string message;  // reply to the requester (whom to call); no personal data
  Actor actor;
};
// Delivers the decision to the requester first, then records it: a reply
// that did not reach the requester changes nothing. Returns the request as
// decided.
absl::StatusOr<followup::Contact> DecideContactRequest(Node& node, const Decision& decision);

// "12m ago", "3h5m ago".
std::string Ago(absl::Time then, absl::Time now);
// "47h left of 48h", or "48h window passed".
std::string PrumWindowLeft(absl::Time hit_at, absl::Time now);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_FOLLOWUP_H_
