#include "node/followup/followup_client.h"

#include <grpcpp/grpcpp.h>
#include <sodium.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/followup.grpc.pb.h"
#include "node/audit/exchange_event.h"
#include "node/common/status_macros.h"
#include "node/federation/grpc_settings.h"
#include "node/federation/grpc_status.h"
#include "node/federation/peer_service.h"
#include "node/federation/signed_request.h"
#include "node/followup/content_commitment.h"

namespace fedlink::followup {

using federation::FromGrpc;
namespace {

using Rpc = grpc::Status (fedlink::v1::Followup::Stub::*)(grpc::ClientContext*,
                                                          const fedlink::v1::Signed&,
                                                          fedlink::v1::Signed*);

template <typename Message>
absl::Status SendUnlogged(const federation::Self& self, const federation::Member& peer,
                          Message& body, absl::string_view type, absl::string_view purpose, Rpc rpc,
                          const std::string& id, absl::Duration deadline, std::string* digest,
                          std::string* receipt_envelope) {
  ASSIGN_OR_RETURN(auto sealed, federation::SealRequest(self, peer.node_id, purpose, type, body));
  *digest = federation::EnvelopeDigest(sealed);
  auto stub = fedlink::v1::Followup::NewStub(federation::OpenPeerChannel(self, peer));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  fedlink::v1::Signed request, response;
  request.set_envelope(sealed);
  grpc::Status s = ((*stub).*rpc)(&context, request, &response);
  if (!s.ok()) return FromGrpc(s, peer.node_id);
  *receipt_envelope = response.envelope();
  ASSIGN_OR_RETURN(auto opened,
                   federation::OpenAnswer(response.envelope(), "fedlink.v1.FollowupReceipt", peer));
  fedlink::v1::FollowupReceipt receipt;
  if (!receipt.ParseFromString(opened) ||
      receipt.request_sha256() != federation::EnvelopeDigest(sealed) || receipt.id() != id) {
    return absl::DataLossError(absl::StrCat(peer.node_id, ": receipt does not name our request"));
  }
  return absl::OkStatus();
}

template <typename Message>
absl::Status Send(const federation::Self& self, const federation::Member& peer, Message& body,
                  absl::string_view type, absl::string_view purpose, Rpc rpc, const std::string& id,
                  absl::Duration deadline, absl::string_view event, audit::AuditLog* audit,
                  std::string content_commitment = "") {
  std::string digest, receipt;
  const absl::Status s =
      SendUnlogged(self, peer, body, type, purpose, rpc, id, deadline, &digest, &receipt);
  if (audit == nullptr) return s;
  audit::Event e = audit::RequesterEvent(self, peer, event, purpose, digest, 1, s);
  e.peer_signed = receipt;  // the peer's signed receipt: a digest and an id
  e.content_commitment = std::move(content_commitment);
  RETURN_IF_ERROR(audit->Append(e));
  return s;
}

}  // namespace

absl::Status SendContact(const federation::Self& self, const federation::Member& owner,
                         const Contact& c, absl::Duration deadline, audit::AuditLog* audit) {
  fedlink::v1::ContactRequest body;
  body.set_id(c.id);
  body.set_handle(c.handle);
  body.set_reason(c.reason);
  body.set_hit_at(absl::ToUnixSeconds(c.hit_at));
  return Send(self, owner, body, "fedlink.v1.ContactRequest", c.purpose,
              &fedlink::v1::Followup::Stub::Contact, c.id, deadline, "followup.contact.sent", audit,
              RequestCommitment(c));
}

absl::Status SendReply(const federation::Self& self, const federation::Member& requester,
                       const Contact& c, absl::Duration deadline, audit::AuditLog* audit) {
  fedlink::v1::ContactReply body;
  body.set_id(c.id);
  body.set_accepted(c.status == ContactStatus::kAccepted);
  body.set_message(c.reply);
  return Send(self, requester, body, "fedlink.v1.ContactReply", c.purpose,
              &fedlink::v1::Followup::Stub::Reply, c.id, deadline,
              c.status == ContactStatus::kAccepted ? "followup.contact.accepted"
                                                   : "followup.contact.declined",
              audit, ReplyCommitment(c));
}

absl::Status SendMatchNotice(const federation::Self& self, const federation::Member& owner,
                             absl::string_view purpose, const std::vector<std::string>& handles,
                             absl::Duration deadline, audit::AuditLog* audit) {
  // More handles than one notice may carry go in several, each its own
  // signed and logged request.
  size_t first = 0;
  do {
    fedlink::v1::MatchNotice body;
    std::string id(8, '\0');
    randombytes_buf(id.data(), id.size());
    body.set_id(absl::StrCat("n", absl::BytesToHexString(id)));
    const size_t end =
        std::min(handles.size(), first + static_cast<size_t>(federation::kMaxNoticeHandles));
    for (size_t i = first; i < end; ++i) body.add_handles(handles[i]);
    RETURN_IF_ERROR(Send(self, owner, body, "fedlink.v1.MatchNotice", purpose,
                         &fedlink::v1::Followup::Stub::Notify, body.id(), deadline,
                         "followup.notice.sent", audit));
    first = end;
  } while (first < handles.size());
  return absl::OkStatus();
}

absl::Status SendRevocation(const federation::Self& self, const federation::Member& peer,
                            const FollowupStore::Revocation& r, absl::Duration deadline,
                            audit::AuditLog* audit) {
  fedlink::v1::RevocationNotice body;
  body.set_id(r.id);
  body.set_handle(r.handle);
  body.set_contact_id(r.contact_id);
  return Send(self, peer, body, "fedlink.v1.RevocationNotice", "consent-withdrawal",
              &fedlink::v1::Followup::Stub::Revoke, r.id, deadline, "followup.revocation.sent",
              audit);
}

}  // namespace fedlink::followup
