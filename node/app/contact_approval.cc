#include "node/app/contact_approval.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/app/users.h"
#include "node/common/status_macros.h"
#include "node/match/keyspec.h"
#include "policy/policy.h"

namespace fedlink::app {

absl::StatusOr<bool> ContactRequestsNeedApproval(Node& node) {
  const std::string path = node.paths().policy();
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return false;  // no policy file: no rule
  ASSIGN_OR_RETURN(auto policy, policy::Policy::Load(path, match::keyspec::KeyTypeNames()));
  return policy->contact_requests_need_approval();
}

absl::Status CheckApprover(Node& node, const std::string& name) {
  if (name.empty()) return absl::PermissionDeniedError("no approving supervisor named");
  auto users = ListUsers(node);
  if (!users.ok()) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot check the approving supervisor: the node's users are unavailable (",
                     users.status().message(), ")"));
  }
  for (const User& u : *users) {
    if (u.name != name) continue;
    if (u.disabled) return absl::PermissionDeniedError(absl::StrCat("user ", name, " is disabled"));
    if (u.role != UserRole::kSupervisor) {
      return absl::PermissionDeniedError(
          absl::StrCat("user ", name, " is a ", UserRoleName(u.role), ", not a supervisor"));
    }
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat("no user ", name, " (fedlink users list)"));
}

absl::StatusOr<ContactOutcome> RequestContact(Node& node, const ContactRequest& request) {
  ContactOutcome out;
  ASSIGN_OR_RETURN(const bool need, ContactRequestsNeedApproval(node));
  if (!need || !request.approved_by.empty()) {
    ASSIGN_OR_RETURN(out.sent, SendContactRequest(node, request));
    return out;
  }
  // Checked as a send would be, so that what is held can be sent.
  ASSIGN_OR_RETURN(const followup::Contact checked, CheckContactRequest(node, request));
  followup::HeldContact& h = out.held_request;
  h.id = checked.id;
  h.peer = checked.peer;
  h.handle = checked.handle;
  h.own_id = checked.own_id;
  h.purpose = checked.purpose;
  h.reason = checked.reason;
  h.requested_by = request.actor.official;
  h.legal_basis = request.actor.legal_basis;
  h.created_at = checked.created_at;
  ASSIGN_OR_RETURN(followup::FollowupStore * store, node.Followups());
  audit::Event e = LocalEvent("contact.held");
  e.official = request.actor.official;
  e.legal_basis = request.actor.legal_basis;
  e.purpose = h.purpose;
  e.responder = h.peer;
  e.detail = absl::StrCat("contact ", h.id, " awaiting approval");
  const absl::Status added = store->AddHeld(h);
  e.outcome = OutcomeOf(added);
  RETURN_IF_ERROR(node.Log(std::move(e)));
  RETURN_IF_ERROR(added);
  out.held = true;
  return out;
}

absl::StatusOr<std::vector<followup::HeldContact>> HeldContactRequests(Node& node) {
  ASSIGN_OR_RETURN(followup::FollowupStore * store, node.Followups());
  return store->Held();
}

absl::StatusOr<std::vector<followup::HeldContact>> RejectedContactRequests(Node& node) {
  ASSIGN_OR_RETURN(followup::FollowupStore * store, node.Followups());
  return store->RejectedHeld();
}

namespace {

absl::StatusOr<followup::HeldContact> FindHeld(Node& node, const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("no contact request named");
  ASSIGN_OR_RETURN(followup::FollowupStore * store, node.Followups());
  ASSIGN_OR_RETURN(std::vector<followup::HeldContact> held, store->Held(id));
  if (held.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no contact request ", id, " awaiting approval (already decided?)"));
  }
  return held.front();
}

}  // namespace

absl::StatusOr<followup::Contact> ApproveContactRequest(Node& node, const std::string& id,
                                                        const Actor& supervisor) {
  ASSIGN_OR_RETURN(const followup::HeldContact h, FindHeld(node, id));
  ContactRequest request;
  request.id = h.id;
  request.peer = h.peer;
  request.handle = h.handle;
  request.reason = h.reason;
  request.actor = {h.requested_by, h.legal_basis};
  request.approved_by = supervisor.official;
  ASSIGN_OR_RETURN(followup::Contact sent, SendContactRequest(node, request));
  ASSIGN_OR_RETURN(followup::FollowupStore * store, node.Followups());
  RETURN_IF_ERROR(store->RemoveHeld(h.id).status());
  return sent;
}

absl::Status RejectContactRequest(Node& node, const std::string& id, const Actor& supervisor) {
  ASSIGN_OR_RETURN(const followup::HeldContact h, FindHeld(node, id));
  const absl::Status approver = CheckApprover(node, supervisor.official);
  audit::Event e = LocalEvent("contact.reject");
  e.official = supervisor.official;
  e.legal_basis = supervisor.legal_basis;
  e.purpose = h.purpose;
  e.responder = h.peer;
  e.detail = absl::StrCat("contact ", h.id, " requested by ", h.requested_by);
  absl::Status outcome = approver;
  if (outcome.ok()) {
    ASSIGN_OR_RETURN(followup::FollowupStore * store, node.Followups());
    outcome = store->RejectHeld(h.id, supervisor.official, absl::Now()).status();
  }
  e.outcome = OutcomeOf(outcome);
  RETURN_IF_ERROR(node.Log(std::move(e)));
  return outcome;
}

}  // namespace fedlink::app
