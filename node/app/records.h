// The node's own records: count, list, show (with what was shared about a
// record, with whom and when, and with whom the policy shares it now) and
// delete.
//
//   ASSIGN_OR_RETURN(RecordDetails details, ShowRecord(node, "A-000067"));
//   for (const followup::Hit& h : details.history.hits) ...
//
// Errors never name a record's values; "no record with that external_id"
// does not repeat the id either.
#ifndef FEDLINK_NODE_APP_RECORDS_H_
#define FEDLINK_NODE_APP_RECORDS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/app/node.h"
#include "node/followup/followup_store.h"
#include "node/record/person.h"
#include "policy/policy.h"

namespace fedlink::app {

struct RecordCounts {
  uint64_t total = 0;
  std::map<record::Role, uint64_t> by_role;  // roles with at least one record
};
absl::StatusOr<RecordCounts> CountRecords(Node& node);

// Writes every record as CSV with the canonical header (importer.h; the
// format `fedlink import` reads back), one `write` per record, the header
// with the first: a node without records writes nothing. Streams: the
// records are not all held at once.
absl::Status ListRecordsCsv(Node& node, const std::function<void(absl::string_view)>& write);

// What was shared about one record, with whom and when (from followup.db),
// in the order a survivor would be shown it: hits at peers, contact requests
// in and out, mutual notices, revocation notices.
struct SharingHistory {
  // Not OK: followup.db could not be opened and nothing below is known. A
  // list that cannot be read is left empty.
  absl::Status status;
  std::vector<followup::Hit> hits;                               // we matched it at a peer
  std::vector<followup::Contact> contacts_in;                    // a peer asked us about it
  std::vector<followup::Contact> contacts_out;                   // we asked a peer about its match
  std::vector<followup::FollowupStore::Notice> notices;          // a peer matched it
  std::vector<followup::FollowupStore::Revocation> revocations;  // consent withdrawn
  bool empty() const;
};

// With whom the current policy shares the record now: every roster member
// (but this node) and declared purpose whose rule shares it.
struct CurrentShare {
  std::string peer;
  std::string purpose;
  std::string rule;
  policy::Payload payload = policy::Payload::kHandleOnly;
};
struct SharedNow {
  enum class Basis {
    kPolicy,            // `shares` is what the policy shares (maybe nothing)
    kNoRoster,          // no roster installed: shared with nobody
    kNoPolicy,          // no policy file: shared with nobody
    kPolicyUnreadable,  // the policy does not parse: see `policy_error`
  };
  Basis basis = Basis::kPolicy;
  absl::Status policy_error;
  std::vector<CurrentShare> shares;
};

struct RecordDetails {
  record::Person record;
  SharingHistory history;
  SharedNow shared_now;
};
// The one error for an external id the node does not hold: NotFound, and
// it never repeats the id (which may itself be personal).
absl::Status NoSuchRecordError();

// NoSuchRecordError() if the node holds no record with that external id.
absl::StatusOr<RecordDetails> ShowRecord(Node& node, const std::string& external_id);

// Deleting a record owes revocation notices: DeleteRecord is in consent.h.

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_RECORDS_H_
