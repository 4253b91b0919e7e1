#include "node/app/consent.h"

#include <sodium.h>

#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/app/own_keys.h"
#include "node/app/records.h"
#include "node/common/status_macros.h"
#include "node/followup/followup_client.h"
#include "node/followup/followup_store.h"

namespace fedlink::app {
namespace {

using Revocation = followup::FollowupStore::Revocation;

constexpr absl::Duration kDeadline = absl::Seconds(10);

std::string RandomRevocationId() {
  std::string bytes(8, '\0');
  randombytes_buf(bytes.data(), bytes.size());
  return absl::StrCat("r", absl::BytesToHexString(bytes));
}

// Sends each notice and records the acknowledgements. Without a roster or
// TLS identity every notice stays pending with that reason.
std::vector<RevocationOutcome> SendNotices(Node& node, followup::FollowupStore& store,
                                           const std::vector<Revocation>& notices) {
  std::vector<RevocationOutcome> outcomes;
  if (notices.empty()) return outcomes;
  absl::StatusOr<federation::Self> self = node.Self(Actor{});
  auto roster = node.Roster();
  absl::StatusOr<audit::AuditLog*> log = node.AuditLog();
  for (const Revocation& r : notices) {
    absl::Status s;
    if (!self.ok()) {
      s = self.status();
    } else if ((*roster)->Find(r.peer) == nullptr) {
      s = absl::FailedPreconditionError("no longer a roster member");
    } else {
      s = followup::SendRevocation(*self, *(*roster)->Find(r.peer), r, kDeadline,
                                   log.ok() ? *log : nullptr);
    }
    if (s.ok()) s = store.AckRevocation(r.id, absl::Now());
    outcomes.push_back({r.peer, s});
  }
  return outcomes;
}

// The notices owed about `external_id`: one per peer and handle (a contact
// request it sent us) or contact id (one we sent it), recorded as pending.
// `keep_own_id` false (the record is being deleted): the pending notices
// keep no record id.
absl::StatusOr<std::vector<Revocation>> OweNotices(followup::FollowupStore& store,
                                                   const std::string& external_id,
                                                   bool keep_own_id) {
  std::vector<Revocation> notices;
  std::set<std::string> seen;
  const absl::Time now = absl::Now();
  auto add = [&](const std::string& peer, const std::string& handle,
                 const std::string& contact_id) -> absl::Status {
    if (!seen.insert(absl::StrCat(peer, "|", handle, "|", contact_id)).second) {
      return absl::OkStatus();
    }
    Revocation r;
    r.id = RandomRevocationId();
    r.own_id = keep_own_id ? external_id : "";
    r.peer = peer;
    r.handle = handle;
    r.contact_id = contact_id;
    r.created_at = now;
    RETURN_IF_ERROR(store.AddRevocation(r));
    notices.push_back(std::move(r));
    return absl::OkStatus();
  };
  ASSIGN_OR_RETURN(const std::vector<followup::Contact> incoming, store.Incoming());
  for (const followup::Contact& c : incoming) {
    if (c.own_id == external_id) RETURN_IF_ERROR(add(c.peer, c.handle, ""));
  }
  ASSIGN_OR_RETURN(const std::vector<followup::Contact> outgoing, store.Outgoing());
  for (const followup::Contact& c : outgoing) {
    if (c.own_id == external_id) RETURN_IF_ERROR(add(c.peer, "", c.id));
  }
  return notices;
}

// What a record that stops being shared owes: the revocation notices (owed
// first, so they survive the erasure), the follow-up content erased, then
// the notices sent.
ConsentWithdrawal OweEraseAndNotify(Node& node, const std::string& external_id, bool deleted) {
  ConsentWithdrawal withdrawal;
  absl::StatusOr<followup::FollowupStore*> store = node.Followups();
  absl::StatusOr<std::vector<Revocation>> owed =
      store.ok() ? OweNotices(**store, external_id, /*keep_own_id=*/!deleted) : store.status();
  withdrawal.notices_status = owed.status();
  // The notices owed keep what they need; the content goes now, whether or
  // not the peers can be reached.
  absl::StatusOr<size_t> erased =
      owed.ok() ? (*store)->EraseContentAbout(external_id, absl::Now(), /*forget_own_id=*/deleted)
                : owed.status();
  withdrawal.erasure_status = erased.status();
  withdrawal.erased = erased.value_or(0);
  if (owed.ok()) withdrawal.notices = SendNotices(node, **store, *owed);
  return withdrawal;
}

}  // namespace

size_t Acknowledged(const std::vector<RevocationOutcome>& notices) {
  size_t n = 0;
  for (const RevocationOutcome& o : notices) n += o.status.ok() ? 1 : 0;
  return n;
}

size_t Pending(const std::vector<RevocationOutcome>& notices) {
  return notices.size() - Acknowledged(notices);
}

absl::StatusOr<ConsentWithdrawal> WithdrawConsent(Node& node, const std::string& external_id) {
  ASSIGN_OR_RETURN(std::optional<record::Person> record, node.records().Get(external_id));
  if (!record.has_value()) {
    return NoSuchRecordError();
  }
  RETURN_IF_ERROR(node.AuditLog().status());
  record->consent.clear();
  record->consent_expires_at = 0;
  // Re-key after the change: the record's entries in every table a peer
  // cached were made under the old key, so they no longer match anything.
  absl::Status s = node.records().Upsert({*record}).status();
  if (s.ok()) s = RekeyOwnTables(node);
  audit::Event entry = LocalEvent("consent.withdraw");  // no record id: not personal data
  entry.count = 1;
  entry.outcome = OutcomeOf(s);
  entry.detail = "record removed from every table; OPRF keys re-keyed";
  RETURN_IF_ERROR(node.Log(std::move(entry)));
  RETURN_IF_ERROR(s);

  return OweEraseAndNotify(node, external_id, /*deleted=*/false);
}

absl::StatusOr<ConsentWithdrawal> DeleteRecord(Node& node, const std::string& external_id) {
  // Refuse before deleting if the deletion cannot be logged.
  RETURN_IF_ERROR(node.AuditLog().status());
  absl::StatusOr<bool> deleted = node.records().Delete(external_id);
  audit::Event entry = LocalEvent("records.delete");  // no record id: not personal data
  entry.outcome = OutcomeOf(deleted.status());
  entry.count = deleted.ok() && *deleted ? 1 : 0;
  RETURN_IF_ERROR(node.Log(std::move(entry)));
  RETURN_IF_ERROR(deleted.status());
  if (!*deleted) return NoSuchRecordError();
  // Re-key, so the deleted record's entries in cached tables open nothing.
  RETURN_IF_ERROR(RekeyOwnTables(node));
  // The follow-ups about it keep who asked whom and when, not their content
  // nor the record's id.
  return OweEraseAndNotify(node, external_id, /*deleted=*/true);
}

absl::StatusOr<std::vector<RevocationOutcome>> NotifyRevocations(Node& node) {
  ASSIGN_OR_RETURN(followup::FollowupStore * store, node.Followups());
  RETURN_IF_ERROR(node.AuditLog().status());
  ASSIGN_OR_RETURN(const std::vector<Revocation> pending, store->PendingRevocations());
  return SendNotices(node, *store, pending);
}

}  // namespace fedlink::app
