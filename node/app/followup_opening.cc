#include "node/app/followup_opening.h"

#include <google/protobuf/text_format.h>

#include "absl/strings/str_cat.h"
#include "fedlink/v1/followup.pb.h"
#include "node/common/status_macros.h"
#include "node/followup/content_commitment.h"

namespace fedlink::app {

absl::StatusOr<std::string> WriteFollowupOpening(Node& node, const std::string& contact_id) {
  ASSIGN_OR_RETURN(followup::FollowupStore * store, node.Followups());
  ASSIGN_OR_RETURN(std::optional<followup::Contact> found, store->FindIncoming(contact_id));
  const bool incoming = found.has_value();
  if (!incoming) {
    ASSIGN_OR_RETURN(found, store->FindOutgoing(contact_id));
  }
  if (!found.has_value()) {
    return absl::NotFoundError(absl::StrCat("no contact request ", contact_id));
  }
  const followup::Contact& c = *found;
  if (c.erased()) {
    return absl::FailedPreconditionError(absl::StrCat("the content of contact request ", contact_id,
                                                      " was erased: there is nothing to open"));
  }
  if (c.salt.size() != followup::kContentSaltBytes) {
    return absl::FailedPreconditionError(
        absl::StrCat("contact request ", contact_id,
                     " was recorded before fedlink kept commitments: its log entries hold the "
                     "signed request itself"));
  }
  fedlink::v1::FollowupOpening opening;
  opening.set_node_id(node.id());
  opening.set_contact_id(c.id);
  opening.set_peer(c.peer);
  opening.set_incoming(incoming);
  opening.set_handle(c.handle);
  opening.set_reason(c.reason);
  const bool decided = c.status == followup::ContactStatus::kAccepted ||
                       c.status == followup::ContactStatus::kDeclined;
  opening.set_decided(decided);
  opening.set_accepted(c.status == followup::ContactStatus::kAccepted);
  opening.set_reply(c.reply);
  opening.set_salt(c.salt);
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(opening, &text)) {
    return absl::InternalError("cannot write the opening");
  }
  return text;
}

absl::StatusOr<FollowupCheck> CheckFollowupOpening(absl::string_view export_bytes,
                                                   absl::string_view opening_text) {
  fedlink::v1::FollowupOpening opening;
  if (!google::protobuf::TextFormat::ParseFromString(std::string(opening_text), &opening) ||
      opening.contact_id().empty() || opening.salt().size() != followup::kContentSaltBytes) {
    return absl::InvalidArgumentError(
        "not a follow-up opening (fedlink.v1.FollowupOpening with a contact id and a 32-byte "
        "salt)");
  }
  ASSIGN_OR_RETURN(const audit::VerifiedExport verified, audit::VerifyExport(export_bytes));
  if (verified.node_id != opening.node_id()) {
    return absl::FailedPreconditionError(absl::StrCat("the opening is of node ", opening.node_id(),
                                                      ", the export of node ", verified.node_id));
  }
  FollowupCheck check;
  check.node_id = verified.node_id;
  check.contact_id = opening.contact_id();
  check.decided = opening.decided();
  const std::string request = followup::CommitToRequest(opening.salt(), opening.contact_id(),
                                                        opening.handle(), opening.reason());
  const std::string reply = opening.decided()
                                ? followup::CommitToReply(opening.salt(), opening.contact_id(),
                                                          opening.accepted(), opening.reply())
                                : "";
  for (size_t i = 0; i < verified.serialized_entries.size(); ++i) {
    ExportedEntry e = DecodeEntry(verified.serialized_entries[i]);
    if (e.content_commitment.empty()) continue;
    if (e.content_commitment == request) {
      check.request_entries.push_back({i, std::move(e)});
    } else if (!reply.empty() && e.content_commitment == reply) {
      check.reply_entries.push_back({i, std::move(e)});
    }
  }
  return check;
}

}  // namespace fedlink::app
