// Follow-ups as an auditor sees them in verified access logs: each contact
// request with its reply and the time it took against the 48-hour window,
// and each revocation notice (GDPR Art. 19) with its acknowledgement. Built
// from the entries only: request and reply are paired by the contact id in
// the peer's signed receipt (fedlink.v1.FollowupReceipt, kept in
// `peer_signed` of the sender's entry) and by exchange id across the two
// logs. No handle, reason or reply text: the log holds commitments only.
//
//   std::vector<app::ContactFollowup> c = app::ContactFollowups(review, now);
//   for (const auto& f : c) if (f.state == app::FollowupState::kLate) ...
//
// Pure and thread-safe.
#ifndef FEDLINK_NODE_APP_AUDIT_FOLLOWUPS_H_
#define FEDLINK_NODE_APP_AUDIT_FOLLOWUPS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "node/app/audit_review.h"
#include "node/app/audit_signals.h"

namespace fedlink::app {

// The reply window fedlink promises (docs/policy.md, followup store).
inline constexpr absl::Duration kReplyWindow = absl::Hours(48);

enum class FollowupState {
  kAnswered,  // replied within the window
  kLate,      // replied after it
  kOverdue,   // no reply, and the window has passed
  kOpen,      // no reply yet, within the window
  kRefused,   // the request itself was refused
};
absl::string_view FollowupStateName(FollowupState state);

struct ContactFollowup {
  std::string contact_id;  // "c..." when a receipt names it; else "exchange " + id prefix
  std::string requester, owner, purpose, legal_basis, official;
  int64_t requested_micros = 0;
  int64_t replied_micros = 0;  // 0: no reply in the logs
  std::string decision;        // "accepted", "declined", "replied" (decision not in the logs)
  std::string request_outcome;
  FollowupState state = FollowupState::kOpen;
  std::vector<EntryRef> entries;
};

// `now`: the time the window is judged at (the report's generation time).
std::vector<ContactFollowup> ContactFollowups(const AuditReview& review, absl::Time now);

struct RevocationFollowup {
  std::string notice_id;  // "exchange " + id prefix when no receipt names it
  std::string owner, peer;
  int64_t sent_micros = 0;
  int attempts = 0;
  bool acknowledged = false;  // the peer's signed receipt is in the owner's log
  bool received_in_peer_log = false;
  bool peer_log_reviewed = false;  // the peer's log is in the review
  std::vector<EntryRef> entries;
};
std::vector<RevocationFollowup> RevocationFollowups(const AuditReview& review);

// The id a peer's signed FollowupReceipt names, or "" (structure only: the
// receipt was verified by the node that logged it).
std::string ReceiptId(absl::string_view peer_signed);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_AUDIT_FOLLOWUPS_H_
