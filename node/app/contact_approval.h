// A supervisor's approval of outgoing contact requests, when the node's
// policy requires it (policy.proto `contact_requests_need_approval`, off by
// default). Under that policy a request is held ("awaiting approval") and
// nothing leaves the node until an enabled supervisor (users.h) approves it;
// then it is sent as asked, with the requester as the official. A
// supervisor may also reject it: it is never sent, and kept as rejected (by
// whom, when) so that the requester sees the answer. The access log
// keeps each step: contact.held (the requester), contact.approve and
// contact.reject (the supervisor; detail names the request and the
// requester).
//
// The CLI and the console follow the same rule, through RequestContact:
//
//   app::ContactRequest r{peer, handle, reason, {"amira", "case-17"}};
//   ASSIGN_OR_RETURN(app::ContactOutcome out, app::RequestContact(node, r));
//   if (out.held) ... a supervisor approves out.held_request.id later:
//   ASSIGN_OR_RETURN(followup::Contact sent,
//                    app::ApproveContactRequest(node, out.held_request.id, {"sam", ""}));
//
// A request may carry its approval at once (ContactRequest::approved_by:
// `fedlink contact --approved-by NAME`, or a supervisor's own request in the
// console): the approver must be an enabled supervisor.
#ifndef FEDLINK_NODE_APP_CONTACT_APPROVAL_H_
#define FEDLINK_NODE_APP_CONTACT_APPROVAL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/app/followup.h"
#include "node/app/node.h"
#include "node/followup/followup_store.h"

namespace fedlink::app {

// Whether the node's policy (if it has one) requires approval.
absl::StatusOr<bool> ContactRequestsNeedApproval(Node& node);

// OK if `name` is an enabled supervisor of the node's console users;
// PermissionDenied naming what is wrong otherwise.
absl::Status CheckApprover(Node& node, const std::string& name);

struct ContactOutcome {
  bool held = false;                   // awaiting approval; nothing was sent
  followup::HeldContact held_request;  // if held
  followup::Contact sent;              // if not held
};

// Sends the request (SendContactRequest) unless the policy requires approval
// and the request carries none: then it is checked as a send would be (the
// match, the record's consent) and held, logged as contact.held.
absl::StatusOr<ContactOutcome> RequestContact(Node& node, const ContactRequest& request);

// Requests awaiting approval, oldest first.
absl::StatusOr<std::vector<followup::HeldContact>> HeldContactRequests(Node& node);
// Held requests a supervisor rejected (HeldContact::rejected_by and
// rejected_at say who and when), oldest first. They stay until the person's
// consent is withdrawn or the record deleted, like other requests.
absl::StatusOr<std::vector<followup::HeldContact>> RejectedContactRequests(Node& node);

// `supervisor` approves held request `id`: it is sent (keeping its id) and
// no longer held. NotFound if no such held request; PermissionDenied if the
// supervisor is not an enabled supervisor. If sending fails it stays held.
absl::StatusOr<followup::Contact> ApproveContactRequest(Node& node, const std::string& id,
                                                        const Actor& supervisor);
// `supervisor` rejects held request `id`: never sent, kept as rejected
// (RejectedContactRequests), logged. NotFound if no such request awaits
// approval; PermissionDenied if the supervisor is not an enabled supervisor.
absl::Status RejectContactRequest(Node& node, const std::string& id, const Actor& supervisor);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_CONTACT_APPROVAL_H_
