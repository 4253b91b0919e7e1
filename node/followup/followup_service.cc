#include "node/followup/followup_service.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/followup.grpc.pb.h"

namespace fedlink::followup {
namespace {

constexpr size_t kMaxText = 2000;

grpc::Status ToGrpc(const absl::Status& s) {
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()),
                      std::string(s.message()));
}

class FollowupService final : public fedlink::v1::Followup::Service {
 public:
  FollowupService(const federation::PeerAuth& auth,
                  private_match::Responder* responder, FollowupStore* store,
                  const SigningKey* identity, Clock* clock)
      : auth_(auth),
        responder_(responder),
        store_(store),
        identity_(identity),
        clock_(clock) {}

  grpc::Status Contact(grpc::ServerContext* context,
                       const fedlink::v1::Signed* request,
                       fedlink::v1::Signed* response) override {
    auto verified =
        auth_.Verify(*context, request->envelope(), "fedlink.v1.ContactRequest");
    if (!verified.ok()) return ToGrpc(verified.status());
    fedlink::v1::ContactRequest body;
    if (!body.ParseFromString(verified->body) || body.id().empty() ||
        body.id().size() > 64 || body.reason().size() > kMaxText) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "malformed contact request");
    }
    auto role = ParseNodeRole(verified->sender.role);
    if (!role.ok()) return ToGrpc(role.status());
    auto own_id = responder_->AuthorizeContact(
        {verified->sender.node_id, *role}, verified->header.purpose,
        body.handle());
    if (!own_id.ok()) return ToGrpc(own_id.status());
    followup::Contact c;
    c.id = body.id();
    c.peer = verified->sender.node_id;
    c.handle = body.handle();
    c.own_id = *own_id;
    c.purpose = verified->header.purpose;
    c.reason = body.reason();
    c.hit_at = absl::FromUnixSeconds(body.hit_at());
    c.created_at = clock_->Now();
    if (auto s = store_->AddIncoming(c); !s.ok()) return ToGrpc(s);
    return Receipt(verified->digest, body.id(), response);
  }

  grpc::Status Reply(grpc::ServerContext* context,
                     const fedlink::v1::Signed* request,
                     fedlink::v1::Signed* response) override {
    auto verified =
        auth_.Verify(*context, request->envelope(), "fedlink.v1.ContactReply");
    if (!verified.ok()) return ToGrpc(verified.status());
    fedlink::v1::ContactReply body;
    if (!body.ParseFromString(verified->body) ||
        body.message().size() > kMaxText) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "malformed contact reply");
    }
    // Only the node the request was sent to can answer it.
    if (auto s = store_->RecordReply(body.id(), verified->sender.node_id,
                                     body.accepted(), body.message(),
                                     clock_->Now());
        !s.ok()) {
      return ToGrpc(s);
    }
    return Receipt(verified->digest, body.id(), response);
  }

  grpc::Status Revoke(grpc::ServerContext* context,
                      const fedlink::v1::Signed* request,
                      fedlink::v1::Signed* response) override {
    auto verified =
        auth_.Verify(*context, request->envelope(), "fedlink.v1.RevocationNotice");
    if (!verified.ok()) return ToGrpc(verified.status());
    fedlink::v1::RevocationNotice body;
    if (!body.ParseFromString(verified->body) || body.id().empty() ||
        (body.handle().empty() && body.contact_id().empty())) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "malformed revocation notice");
    }
    // Only what the sender itself gave us can be revoked by it.
    if (auto s = store_->ApplyRevocation(verified->sender.node_id, body.handle(),
                                         body.contact_id());
        !s.ok()) {
      return ToGrpc(s);
    }
    return Receipt(verified->digest, body.id(), response);
  }

 private:
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
};

}  // namespace

federation::PeerServiceFactory FollowupServiceFactory(
    private_match::Responder* responder, FollowupStore* store,
    const SigningKey* identity, Clock* clock) {
  return [=](const federation::PeerAuth& auth)
             -> absl::StatusOr<std::unique_ptr<grpc::Service>> {
    return std::make_unique<FollowupService>(auth, responder, store, identity,
                                             clock ? clock : Clock::Real());
  };
}

}  // namespace fedlink::followup
