// Consent withdrawal (GDPR Art. 7(3)) and the notices it owes (Art. 19):
// the record's consent is cleared, the node re-keys so every table a peer
// cached is void at once, each peer that received a hit or follow-up about
// the record gets a signed revocation notice, tracked until it is
// acknowledged, and the content of those follow-ups (handles, reasons,
// replies) is erased from followup.db: the access log, which holds only
// commitments to it, still verifies and holds nothing resolvable.
//
//   ASSIGN_OR_RETURN(ConsentWithdrawal w, WithdrawConsent(node, "A-000067"));
//   if (w.notices_status.ok() && w.pending() > 0) { ... retry later ... }
//   ASSIGN_OR_RETURN(std::vector<RevocationOutcome> retried,
//   NotifyRevocations(node));
//
// The node must be opened with its identity (it logs and signs). A notice
// names the peer's handle or contact id, never the record's values.
#ifndef FEDLINK_NODE_APP_CONSENT_H_
#define FEDLINK_NODE_APP_CONSENT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "node/app/node.h"

namespace fedlink::app {

// One revocation notice sent: OK if the peer acknowledged it (and the
// acknowledgement is recorded); otherwise it stays pending with the reason.
struct RevocationOutcome {
  std::string peer;
  absl::Status status;
};
size_t Acknowledged(const std::vector<RevocationOutcome>& notices);
size_t Pending(const std::vector<RevocationOutcome>& notices);

struct ConsentWithdrawal {
  // The consent is cleared and the node re-keyed (otherwise WithdrawConsent
  // fails). Owing the notices may still fail (followup.db unreadable or
  // unwritable): then this is not OK and `notices` is empty; the withdrawal
  // stands.
  absl::Status notices_status;
  std::vector<RevocationOutcome> notices;  // one per owed notice, as sent
  // The follow-up content about the record erased (FollowupStore::
  // EraseContentAbout): how many requests; not OK if followup.db could not
  // be changed (the withdrawal stands).
  absl::Status erasure_status;
  size_t erased = 0;
  size_t acknowledged() const { return Acknowledged(notices); }
  size_t pending() const { return Pending(notices); }
};

// Clears the record's consent and re-keys (logged as consent.withdraw, with
// no record id), then owes a revocation notice to every peer that asked us
// for contact about the record or that we asked about it, erases the
// follow-up content about the record and sends the notices.
// InvalidArgument if there is no such record; refused before anything
// changes if the access log does not verify.
absl::StatusOr<ConsentWithdrawal> WithdrawConsent(Node& node, const std::string& external_id);

// Deletes the record (GDPR Art. 17; logged as records.delete) with what
// withdrawing its consent owes: re-keyed tables, a revocation notice to
// every peer that asked or was asked about it, and the follow-up content
// about it erased; the notices and the follow-ups keep no record id.
// NotFound if there is no such record; refused before anything changes if
// the access log does not verify.
absl::StatusOr<ConsentWithdrawal> DeleteRecord(Node& node, const std::string& external_id);

// Sends again every revocation notice not yet acknowledged.
absl::StatusOr<std::vector<RevocationOutcome>> NotifyRevocations(Node& node);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_CONSENT_H_
