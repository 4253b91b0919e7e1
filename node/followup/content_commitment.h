// Commitments to follow-up content (PROTOCOL.md "Audit log"; docs/audit.md
// "Follow-ups"): the access log keeps, for each contact request and each
// reply, a keyed BLAKE2b-256 commitment to its content, never the content.
// The content (the owner's handle, the requester's reason, the owner's
// reply) and the commitment's key, a random 32-byte salt drawn for that
// request, stay in the deletable follow-up store (followup.db). Erasing them
// (consent withdrawn, record deleted) leaves the log verifiable and holding
// nothing resolvable: without the salt the commitment reveals nothing of
// the content, not even to someone who guesses it. Given the content and the
// salt (an opening, which the node may hand to an auditor) anyone can check
// them against the logged commitment.
//
// Format (all lengths u32 big-endian):
//   commitment = BLAKE2b-256(key = salt,
//                            "fedlink/followup-commitment/v1" || 0x00 ||
//                            kind || 0x00 || (len(field) || field)...)
//   kind "contact": fields id, handle, reason
//   kind "reply":   fields id, "accepted" or "declined", message
//
//   std::string c = RequestCommitment(contact);  // logged with the request
#ifndef FEDLINK_NODE_FOLLOWUP_CONTENT_COMMITMENT_H_
#define FEDLINK_NODE_FOLLOWUP_CONTENT_COMMITMENT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "node/followup/followup_store.h"

namespace fedlink::followup {

inline constexpr size_t kContentSaltBytes = 32;
inline constexpr size_t kContentCommitmentBytes = 32;

// A fresh random salt for one follow-up.
std::string NewContentSalt();

// The commitment to a contact request's content: its id, the owner's handle
// and the requester's reason. Empty if `salt` is not kContentSaltBytes long
// (a request recorded before commitments, or whose content was erased).
std::string CommitToRequest(absl::string_view salt, absl::string_view id, absl::string_view handle,
                            absl::string_view reason);
// The commitment to the owner's decision on it and its message.
std::string CommitToReply(absl::string_view salt, absl::string_view id, bool accepted,
                          absl::string_view message);

// The same for a stored request (its salt, id, handle and reason; for the
// reply, its status and reply).
inline std::string RequestCommitment(const Contact& c) {
  return CommitToRequest(c.salt, c.id, c.handle, c.reason);
}
inline std::string ReplyCommitment(const Contact& c) {
  return CommitToReply(c.salt, c.id, c.status == ContactStatus::kAccepted, c.reply);
}

}  // namespace fedlink::followup

#endif  // FEDLINK_NODE_FOLLOWUP_CONTENT_COMMITMENT_H_
