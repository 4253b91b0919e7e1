#include "node/app/followup.h"

#include <sodium.h>

#include <map>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/app/contact_approval.h"
#include "node/app/match.h"
#include "node/common/status_macros.h"
#include "node/followup/content_commitment.h"
#include "node/followup/followup_client.h"

namespace fedlink::app {
namespace {

constexpr absl::Duration kDeadline = absl::Seconds(10);

std::string RandomContactId() {
  std::string id(8, '\0');
  randombytes_buf(id.data(), id.size());
  return absl::StrCat("c", absl::BytesToHexString(id));
}

}  // namespace

absl::StatusOr<followup::Contact> CheckContactRequest(Node& node, const ContactRequest& request) {
  if (request.peer.empty() || request.handle.empty() || request.reason.empty()) {
    return absl::InvalidArgumentError("peer, handle and reason are required");
  }
  RETURN_IF_ERROR(node.Peers(request.peer, false).status());
  ASSIGN_OR_RETURN(followup::FollowupStore * store, node.Followups());
  ASSIGN_OR_RETURN(const std::optional<followup::Hit> hit,
                   store->FindHit(request.peer, request.handle));
  if (!hit.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("no match with handle ", request.handle,
                                                   " from ", request.peer,
                                                   " (run `fedlink match` first)"));
  }
  // Consent governs follow-ups too: nothing about a survivor's record leaves
  // the node without consent for the purpose.
  ASSIGN_OR_RETURN(const std::optional<record::Person> own, node.records().Get(hit->own_id));
  const absl::Time now = absl::Now();
  if (!own.has_value() || !UsableForOutboundQuery(*own, hit->purpose, now)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the record behind this match is gone or no longer consents to ", hit->purpose));
  }
  followup::Contact c;
  c.id = request.id.empty() ? RandomContactId() : request.id;
  c.peer = request.peer;
  c.handle = request.handle;
  c.own_id = hit->own_id;
  c.purpose = hit->purpose;
  c.reason = request.reason;
  c.hit_at = hit->found_at;
  c.created_at = now;
  c.salt = followup::NewContentSalt();  // the log keeps a commitment, not the content
  return c;
}

absl::StatusOr<followup::Contact> SendContactRequest(Node& node, const ContactRequest& request) {
  ASSIGN_OR_RETURN(const bool need_approval, ContactRequestsNeedApproval(node));
  if (need_approval && request.approved_by.empty()) {
    return absl::FailedPreconditionError(
        "the node's policy requires a supervisor's approval of contact requests: name the "
        "approving supervisor, or leave it out to hold the request for approval");
  }
  ASSIGN_OR_RETURN(followup::Contact c, CheckContactRequest(node, request));
  const auto log_approval = [&](const absl::Status& outcome) {
    audit::Event e = LocalEvent("contact.approve");
    e.official = request.approved_by;
    e.legal_basis = request.actor.legal_basis;
    e.purpose = c.purpose;
    e.responder = c.peer;
    e.detail = absl::StrCat("contact ", c.id, " requested by ", request.actor.official);
    e.outcome = OutcomeOf(outcome);
    return node.Log(std::move(e));
  };
  if (need_approval) {
    if (absl::Status approver = CheckApprover(node, request.approved_by); !approver.ok()) {
      RETURN_IF_ERROR(log_approval(approver));  // a refused approval is logged as refused
      return approver;
    }
  }
  ASSIGN_OR_RETURN(const std::vector<federation::Member> owners, node.Peers(request.peer, false));
  ASSIGN_OR_RETURN(followup::FollowupStore * store, node.Followups());
  ASSIGN_OR_RETURN(const federation::Self self, node.Self(request.actor));
  ASSIGN_OR_RETURN(audit::AuditLog * log, node.AuditLog());
  absl::Status sent = followup::SendContact(self, owners.front(), c, kDeadline, log);
  if (sent.ok()) sent = store->AddOutgoing(c);
  if (!request.approved_by.empty()) RETURN_IF_ERROR(log_approval(sent));
  RETURN_IF_ERROR(sent);
  return c;
}

absl::StatusOr<Inbox> ReadInbox(Node& node) {
  ASSIGN_OR_RETURN(followup::FollowupStore * store, node.Followups());
  Inbox inbox;
  ASSIGN_OR_RETURN(inbox.incoming, store->Incoming());
  ASSIGN_OR_RETURN(inbox.outgoing, store->Outgoing());
  ASSIGN_OR_RETURN(const std::vector<followup::FollowupStore::Notice> notices, store->Notices());
  std::map<std::pair<std::string, std::string>, NoticeSummary> by_peer;
  for (const auto& n : notices) {
    NoticeSummary& s = by_peer[{n.peer, n.purpose}];
    s.peer = n.peer;
    s.purpose = n.purpose;
    ++s.count;
    s.latest = std::max(s.latest, n.at);
  }
  for (auto& [key, summary] : by_peer) inbox.notices.push_back(std::move(summary));
  return inbox;
}

absl::StatusOr<followup::Contact> DecideContactRequest(Node& node, const Decision& decision) {
  ASSIGN_OR_RETURN(followup::FollowupStore * store, node.Followups());
  ASSIGN_OR_RETURN(const std::optional<followup::Contact> found,
                   store->FindIncoming(decision.contact_id));
  if (!found.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no incoming contact request ", decision.contact_id));
  }
  if (found->status != followup::ContactStatus::kPending) {
    return absl::FailedPreconditionError(absl::StrCat(decision.contact_id, " was already ",
                                                      followup::ContactStatusName(found->status)));
  }
  ASSIGN_OR_RETURN(const auto roster, node.Roster());
  const federation::Member* requester = roster->Find(found->peer);
  if (requester == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(found->peer, " is no longer a roster member"));
  }
  followup::Contact decided = *found;
  decided.status =
      decision.accept ? followup::ContactStatus::kAccepted : followup::ContactStatus::kDeclined;
  decided.reply = decision.message;
  ASSIGN_OR_RETURN(const federation::Self self, node.Self(decision.actor));
  ASSIGN_OR_RETURN(audit::AuditLog * log, node.AuditLog());
  // Deliver first: a reply that did not reach the requester changes nothing.
  RETURN_IF_ERROR(followup::SendReply(self, *requester, decided, kDeadline, log));
  return store->Decide(decision.contact_id, decision.accept, decided.reply, absl::Now());
}

std::string Ago(absl::Time then, absl::Time now) {
  const int64_t minutes = absl::ToInt64Minutes(now - then);
  if (minutes < 60) return absl::StrCat(minutes, "m ago");
  return absl::StrCat(minutes / 60, "h", minutes % 60, "m ago");
}

std::string PrumWindowLeft(absl::Time hit_at, absl::Time now) {
  const absl::Duration left = hit_at + kPrumWindow - now;
  if (left <= absl::ZeroDuration()) return "48h window passed";
  return absl::StrCat(absl::ToInt64Hours(left), "h left of 48h");
}

}  // namespace fedlink::app
