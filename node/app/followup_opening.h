// Openings of the follow-up commitments in the access log (docs/audit.md
// "Follow-ups"). The log keeps, for each contact request and reply, a keyed
// commitment to its content (followup/content_commitment.h); the content
// and the key (salt) stay in the node's deletable follow-up store. During an
// investigation the node writes a request's opening (its content and salt)
// for an auditor, who checks it against the node's verified export:
//
//   ASSIGN_OR_RETURN(std::string opening, WriteFollowupOpening(node, "c0123..."));
//   ... the auditor receives the export and the opening ...
//   ASSIGN_OR_RETURN(FollowupCheck check, CheckFollowupOpening(export_bytes, opening));
//   if (check.ok()) ... check.request_entries name the entries it opens ...
//
// An opening holds personal data (a handle, free text): it is written to
// files the operator hands over, never to the log or a command line. Once
// the content was erased (consent withdrawn, record deleted) there is
// nothing left to open.
#ifndef FEDLINK_NODE_APP_FOLLOWUP_OPENING_H_
#define FEDLINK_NODE_APP_FOLLOWUP_OPENING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/app/audit_review.h"
#include "node/app/node.h"

namespace fedlink::app {

// The opening of the contact request `contact_id`, received or sent by this
// node: a fedlink.v1.FollowupOpening in protobuf text format. NotFound if
// there is no such request; FailedPrecondition if its content was erased or
// it was recorded before fedlink kept commitments.
absl::StatusOr<std::string> WriteFollowupOpening(Node& node, const std::string& contact_id);

// An entry of the export that commits to the opened content.
struct CommittedEntry {
  uint64_t index = 0;
  ExportedEntry entry;
};

struct FollowupCheck {
  std::string node_id;     // the export's node
  std::string contact_id;  // the opening's request
  bool decided = false;    // the opening holds the owner's reply
  // Entries whose commitment is the request's content (id, handle, reason)
  // and, if decided, the reply's (decision and message).
  std::vector<CommittedEntry> request_entries;
  std::vector<CommittedEntry> reply_entries;
  // Every commitment the opening makes is in the log.
  bool ok() const { return !request_entries.empty() && (!decided || !reply_entries.empty()); }
};

// Verifies `export_bytes` (as `audit verify` does) and finds the entries that
// commit to the content of `opening` (text written by WriteFollowupOpening).
// Content altered in any byte, or another salt, matches no entry (then not
// ok()). Errors: DataLoss if the export does not verify, InvalidArgument if
// the opening is malformed, FailedPrecondition if it is of another node than
// the export.
absl::StatusOr<FollowupCheck> CheckFollowupOpening(absl::string_view export_bytes,
                                                   absl::string_view opening);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_FOLLOWUP_OPENING_H_
