#include "node/followup/followup_service.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/followup.grpc.pb.h"
#include "node/federation/grpc_status.h"
#include "node/audit/exchange_event.h"

namespace fedlink::followup {

using federation::ToGrpc;
namespace {

constexpr size_t kMaxText = 2000;

class FollowupService final : public fedlink::v1::Followup::Service {
 public:
  FollowupService(const federation::PeerAuth& auth,
                  private_match::Responder* responder, FollowupStore* store,
                  const SigningKey* identity, Clock* clock, audit::AuditLog* audit)
      : auth_(auth),
        responder_(responder),
        store_(store),
        identity_(identity),
        clock_(clock),
        audit_(audit) {}

  using Handler = grpc::Status (FollowupService::*)(
      const absl::StatusOr<federation::VerifiedRequest>&, fedlink::v1::Signed*, absl::Status*);

  // Verifies, handles, and logs the request (answered or refused); the
  // answer leaves only if its entry is durable.
  grpc::Status Handle(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                      fedlink::v1::Signed* response, absl::string_view type,
                      absl::string_view event, Handler handler) {
    auto verified = auth_.Verify(*context, request->envelope(), type);
    absl::Status outcome;
    grpc::Status answer = (this->*handler)(verified, response, &outcome);
    if (audit_ == nullptr) return answer;
    audit::Event e = audit::ResponderEvent(event, identity_->name(), request->envelope(),
                                           verified.ok() ? &*verified : nullptr);
    e.peer_signed = request->envelope();
    e.count = 1;
    e.outcome = audit::OutcomeOf(outcome);
    auto logged = audit_->Append(e);
    if (!logged.ok() && answer.ok()) return ToGrpc(logged.status());
    return answer;
  }

  grpc::Status Contact(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                       fedlink::v1::Signed* response) override {
    return Handle(context, request, response, "fedlink.v1.ContactRequest",
                  "followup.contact.received", &FollowupService::DoContact);
  }
  grpc::Status Reply(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                     fedlink::v1::Signed* response) override {
    return Handle(context, request, response, "fedlink.v1.ContactReply",
                  "followup.reply.received", &FollowupService::DoReply);
  }
  grpc::Status Notify(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                      fedlink::v1::Signed* response) override {
    return Handle(context, request, response, "fedlink.v1.MatchNotice",
                  "followup.notice.received", &FollowupService::DoNotify);
  }
  grpc::Status Revoke(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                      fedlink::v1::Signed* response) override {
    return Handle(context, request, response, "fedlink.v1.RevocationNotice",
                  "followup.revocation.received", &FollowupService::DoRevoke);
  }

 private:
  static grpc::Status Fail(const absl::Status& s, absl::Status* outcome) {
    *outcome = s;
    return ToGrpc(s);
  }

  grpc::Status DoContact(const absl::StatusOr<federation::VerifiedRequest>& verified,
                         fedlink::v1::Signed* response, absl::Status* outcome) {
    if (!verified.ok()) return Fail(verified.status(), outcome);
    fedlink::v1::ContactRequest body;
    if (!body.ParseFromString(verified->body) || body.id().empty() ||
        body.id().size() > 64 || body.reason().size() > kMaxText) {
      return Fail(absl::InvalidArgumentError("malformed contact request"), outcome);
    }
    auto role = ParseNodeRole(verified->sender.role);
    if (!role.ok()) return Fail(role.status(), outcome);
    auto own_id = responder_->AuthorizeContact(
        {verified->sender.node_id, *role}, verified->header.purpose,
        body.handle());
    if (!own_id.ok()) return Fail(own_id.status(), outcome);
    followup::Contact c;
    c.id = body.id();
    c.peer = verified->sender.node_id;
    c.handle = body.handle();
    c.own_id = *own_id;
    c.purpose = verified->header.purpose;
    c.reason = body.reason();
    c.hit_at = absl::FromUnixSeconds(body.hit_at());
    c.created_at = clock_->Now();
    if (auto s = store_->AddIncoming(c); !s.ok()) return Fail(s, outcome);
    return Receipt(verified->digest, body.id(), response);
  }

  grpc::Status DoReply(const absl::StatusOr<federation::VerifiedRequest>& verified,
                       fedlink::v1::Signed* response, absl::Status* outcome) {
    if (!verified.ok()) return Fail(verified.status(), outcome);
    fedlink::v1::ContactReply body;
    if (!body.ParseFromString(verified->body) ||
        body.message().size() > kMaxText) {
      return Fail(absl::InvalidArgumentError("malformed contact reply"), outcome);
    }
    // Only the node the request was sent to can answer it.
    if (auto s = store_->RecordReply(body.id(), verified->sender.node_id,
                                     body.accepted(), body.message(),
                                     clock_->Now());
        !s.ok()) {
      return Fail(s, outcome);
    }
    return Receipt(verified->digest, body.id(), response);
  }

  grpc::Status DoNotify(const absl::StatusOr<federation::VerifiedRequest>& verified,
                        fedlink::v1::Signed* response, absl::Status* outcome) {
    if (!verified.ok()) return Fail(verified.status(), outcome);
    fedlink::v1::MatchNotice body;
    if (!body.ParseFromString(verified->body) || body.id().empty() || body.handles_size() > 100000) {
      return Fail(absl::InvalidArgumentError("malformed match notice"), outcome);
    }
    auto role = ParseNodeRole(verified->sender.role);
    if (!role.ok()) return Fail(role.status(), outcome);
    // Only handles of records this node shares with the sender count; others
    // are ignored (they tell nothing).
    auto own_ids = responder_->AuthorizeHandles(
        {verified->sender.node_id, *role}, verified->header.purpose,
        std::vector<std::string>(body.handles().begin(), body.handles().end()));
    if (!own_ids.ok()) return Fail(own_ids.status(), outcome);
    std::vector<FollowupStore::Notice> notices;
    for (const std::string& own_id : *own_ids) {
      if (own_id.empty()) continue;
      notices.push_back({verified->sender.node_id, verified->header.purpose, own_id,
                         clock_->Now()});
    }
    if (auto s = store_->AddNotices(notices); !s.ok()) return Fail(s, outcome);
    return Receipt(verified->digest, body.id(), response);
  }

  grpc::Status DoRevoke(const absl::StatusOr<federation::VerifiedRequest>& verified,
                        fedlink::v1::Signed* response, absl::Status* outcome) {
    if (!verified.ok()) return Fail(verified.status(), outcome);
    fedlink::v1::RevocationNotice body;
    if (!body.ParseFromString(verified->body) || body.id().empty() ||
        (body.handle().empty() && body.contact_id().empty())) {
      return Fail(absl::InvalidArgumentError("malformed revocation notice"), outcome);
    }
    // Only what the sender itself gave us can be revoked by it.
    if (auto s = store_->ApplyRevocation(verified->sender.node_id, body.handle(),
                                         body.contact_id());
        !s.ok()) {
      return Fail(s, outcome);
    }
    return Receipt(verified->digest, body.id(), response);
  }

  grpc::Status Receipt(const std::string& digest, const std::string& id,
                       fedlink::v1::Signed* response) {
    fedlink::v1::FollowupReceipt receipt;
    receipt.set_request_sha256(digest);
    receipt.set_id(id);
    auto sealed = envelope::Seal(*identity_, "fedlink.v1.FollowupReceipt",
                                 receipt.SerializeAsString());
    if (!sealed.ok()) return ToGrpc(sealed.status());
    response->set_envelope(*std::move(sealed));
    return grpc::Status::OK;
  }

  const federation::PeerAuth& auth_;
  private_match::Responder* responder_;
  FollowupStore* store_;
  const SigningKey* identity_;
  Clock* clock_;
  audit::AuditLog* audit_;
};

}  // namespace

federation::PeerServiceFactory FollowupServiceFactory(
    private_match::Responder* responder, FollowupStore* store,
    const SigningKey* identity, Clock* clock, audit::AuditLog* audit) {
  return [=](const federation::PeerAuth& auth)
             -> absl::StatusOr<std::unique_ptr<grpc::Service>> {
    return std::make_unique<FollowupService>(auth, responder, store, identity,
                                             clock ? clock : Clock::Real(), audit);
  };
}

}  // namespace fedlink::followup
