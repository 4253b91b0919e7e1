#include "node/followup/followup_service.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/followup.grpc.pb.h"
#include "node/federation/grpc_settings.h"
#include "node/federation/signed_rpc.h"
#include "node/followup/content_commitment.h"

namespace fedlink::followup {

namespace {

using federation::VerifiedRequest;

constexpr size_t kMaxText = 2000;
// Per-method limits on a request's signed body, far below the transport's:
// a contact request holds an id, a handle and at most kMaxText of reason, a
// reply at most kMaxText of message, a revocation two ids (each with the
// signed header, itself bounded: federation/signed_request.h).
constexpr size_t kMaxContactBytes = 4096;
constexpr size_t kMaxReplyBytes = 4096;
constexpr size_t kMaxRevocationBytes = 2048;

// InvalidArgument if the body of a `what` is larger than `limit`.
absl::Status CheckSize(const VerifiedRequest& v, absl::string_view what, size_t limit) {
  if (v.body.size() <= limit) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, " of ", v.body.size(), " bytes is larger than ", limit));
}

// A contact id names a request on both nodes and is printed by `inbox`: from a
// peer it must be 1-64 of [a-z0-9] (ours are "c" and 16 hex digits), so no
// escape sequence or forged line reaches an operator's terminal or CSV.
bool IsContactId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char ch : id) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))) return false;
  }
  return true;
}

// The requests carry handles and free text: their entries keep none of it
// (no signed bytes), only the exchange id (the envelope's SHA-256) and, for
// contact requests and replies, a commitment to the content, which stays in
// the follow-up store (content_commitment.h).
void NoteRequest(absl::string_view, audit::Event& entry) { entry.count = 1; }

// Every followup method is answered with a receipt and logs the same event
// whether it was answered or refused.
constexpr federation::SignedMethod ReceiptMethod(absl::string_view request, absl::string_view event,
                                                 size_t max_envelope_bytes) {
  return {.request = request,
          .answer = "fedlink.v1.FollowupReceipt",
          .answered = event,
          .refused = event,
          .note = &NoteRequest,
          .refusal_needs_entry = false,
          .max_envelope_bytes = max_envelope_bytes};
}

constexpr federation::SignedMethod kContact = ReceiptMethod(
    "fedlink.v1.ContactRequest", "followup.contact.received", federation::kMaxFollowupEnvelope);
constexpr federation::SignedMethod kReply = ReceiptMethod(
    "fedlink.v1.ContactReply", "followup.reply.received", federation::kMaxFollowupEnvelope);
constexpr federation::SignedMethod kNotify = ReceiptMethod(
    "fedlink.v1.MatchNotice", "followup.notice.received", federation::kMaxNoticeEnvelope);
constexpr federation::SignedMethod kRevoke =
    ReceiptMethod("fedlink.v1.RevocationNotice", "followup.revocation.received",
                  federation::kMaxFollowupEnvelope);

// Every method is answered with a receipt naming the request and the id of
// what it carried.
fedlink::v1::FollowupReceipt Receipt(const VerifiedRequest& v, std::string& id) {
  fedlink::v1::FollowupReceipt receipt;
  receipt.set_request_sha256(v.digest);
  receipt.set_id(id);
  return receipt;
}

class FollowupService final : public fedlink::v1::Followup::Service {
 public:
  FollowupService(const federation::PeerAuth& auth, private_match::Responder* responder,
                  FollowupStore* store, const crypto::SigningKey* identity, common::Clock* clock,
                  audit::AuditLog* audit)
      : responder_(responder), store_(store), clock_(clock), handler_(auth, identity, audit) {}

  grpc::Status Contact(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                       fedlink::v1::Signed* response) override {
    auto decode = [](const VerifiedRequest& v) -> absl::StatusOr<fedlink::v1::ContactRequest> {
      RETURN_IF_ERROR(CheckSize(v, "contact request", kMaxContactBytes));
      fedlink::v1::ContactRequest body;
      if (!body.ParseFromString(v.body) || !IsContactId(body.id()) ||
          body.reason().size() > kMaxText) {
        return absl::InvalidArgumentError("malformed contact request");
      }
      return body;
    };
    auto act = [this](const VerifiedRequest& v, fedlink::v1::ContactRequest& body,
                      audit::Event& entry) -> absl::StatusOr<std::string> {
      ASSIGN_OR_RETURN(const config::NodeRole role, config::ParseNodeRole(v.sender.role));
      RETURN_IF_ERROR(responder_->CheckAuthority({v.sender.node_id, role}, v.header.purpose,
                                                 v.header.legal_basis, v.header.official));
      ASSIGN_OR_RETURN(
          std::string own_id,
          responder_->AuthorizeContact({v.sender.node_id, role}, v.header.purpose, body.handle()));
      followup::Contact c;
      c.id = body.id();
      c.peer = v.sender.node_id;
      c.handle = body.handle();
      c.own_id = std::move(own_id);
      c.purpose = v.header.purpose;
      c.reason = body.reason();
      c.created_at = clock_->Now();
      // The peer says when it found the hit; a time after ours would stretch
      // the 48-hour window, so it is bounded by our clock.
      c.hit_at = std::min(absl::FromUnixSeconds(body.hit_at()), c.created_at);
      c.salt = NewContentSalt();
      RETURN_IF_ERROR(store_->AddIncoming(c));
      entry.content_commitment = RequestCommitment(c);
      return body.id();
    };
    return federation::Reply(
        handler_.Unary(*context, request->envelope(), kContact, decode, act, &Receipt), response);
  }

  grpc::Status Reply(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                     fedlink::v1::Signed* response) override {
    auto decode = [](const VerifiedRequest& v) -> absl::StatusOr<fedlink::v1::ContactReply> {
      RETURN_IF_ERROR(CheckSize(v, "contact reply", kMaxReplyBytes));
      fedlink::v1::ContactReply body;
      if (!body.ParseFromString(v.body) || body.message().size() > kMaxText) {
        return absl::InvalidArgumentError("malformed contact reply");
      }
      return body;
    };
    auto act = [this](const VerifiedRequest& v, fedlink::v1::ContactReply& body,
                      audit::Event& entry) -> absl::StatusOr<std::string> {
      // Only the node the request was sent to can answer it.
      ASSIGN_OR_RETURN(const followup::Contact c,
                       store_->RecordReply(body.id(), v.sender.node_id, body.accepted(),
                                           body.message(), clock_->Now()));
      entry.content_commitment = ReplyCommitment(c);
      return body.id();
    };
    return federation::Reply(
        handler_.Unary(*context, request->envelope(), kReply, decode, act, &Receipt), response);
  }

  grpc::Status Notify(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                      fedlink::v1::Signed* response) override {
    auto decode = [](const VerifiedRequest& v) -> absl::StatusOr<fedlink::v1::MatchNotice> {
      fedlink::v1::MatchNotice body;
      if (!body.ParseFromString(v.body) || body.id().empty() ||
          body.handles_size() > federation::kMaxNoticeHandles) {
        return absl::InvalidArgumentError("malformed match notice");
      }
      return body;
    };
    auto act = [this](const VerifiedRequest& v,
                      fedlink::v1::MatchNotice& body) -> absl::StatusOr<std::string> {
      ASSIGN_OR_RETURN(const config::NodeRole role, config::ParseNodeRole(v.sender.role));
      // Only handles of records this node shares with the sender count; others
      // are ignored (they tell nothing).
      ASSIGN_OR_RETURN(const std::vector<std::string> own_ids,
                       responder_->AuthorizeHandles(
                           {v.sender.node_id, role}, v.header.purpose,
                           std::vector<std::string>(body.handles().begin(), body.handles().end())));
      std::vector<FollowupStore::Notice> notices;
      for (const std::string& own_id : own_ids) {
        if (own_id.empty()) continue;
        notices.push_back({v.sender.node_id, v.header.purpose, own_id, clock_->Now()});
      }
      RETURN_IF_ERROR(store_->AddNotices(notices));
      return body.id();
    };
    return federation::Reply(
        handler_.Unary(*context, request->envelope(), kNotify, decode, act, &Receipt), response);
  }

  grpc::Status Revoke(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                      fedlink::v1::Signed* response) override {
    auto decode = [](const VerifiedRequest& v) -> absl::StatusOr<fedlink::v1::RevocationNotice> {
      RETURN_IF_ERROR(CheckSize(v, "revocation notice", kMaxRevocationBytes));
      fedlink::v1::RevocationNotice body;
      if (!body.ParseFromString(v.body) || body.id().empty() ||
          (body.handle().empty() && body.contact_id().empty())) {
        return absl::InvalidArgumentError("malformed revocation notice");
      }
      return body;
    };
    auto act = [this](const VerifiedRequest& v,
                      fedlink::v1::RevocationNotice& body) -> absl::StatusOr<std::string> {
      // Only what the sender itself gave us can be revoked by it.
      RETURN_IF_ERROR(store_->ApplyRevocation(v.sender.node_id, body.handle(), body.contact_id(),
                                              clock_->Now()));
      return body.id();
    };
    return federation::Reply(
        handler_.Unary(*context, request->envelope(), kRevoke, decode, act, &Receipt), response);
  }

 private:
  private_match::Responder* responder_;
  FollowupStore* store_;
  common::Clock* clock_;
  federation::SignedHandler handler_;
};

}  // namespace

federation::PeerServiceFactory FollowupServiceFactory(private_match::Responder* responder,
                                                      FollowupStore* store,
                                                      const crypto::SigningKey* identity,
                                                      common::Clock* clock,
                                                      audit::AuditLog* audit) {
  return [=](const federation::PeerAuth& auth) -> absl::StatusOr<std::unique_ptr<grpc::Service>> {
    return std::make_unique<FollowupService>(auth, responder, store, identity,
                                             clock ? clock : common::Clock::Real(), audit);
  };
}

}  // namespace fedlink::followup
