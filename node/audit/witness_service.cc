#include "node/audit/witness_service.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/audit.grpc.pb.h"
#include "node/audit/exchange_event.h"
#include "node/federation/grpc_status.h"
#include "node/federation/signed_request.h"

namespace fedlink::audit {

using federation::ToGrpc;
using federation::FromGrpc;
namespace {

class WitnessService final : public fedlink::v1::Witness::Service {
 public:
  WitnessService(const federation::PeerAuth& auth, Witness* witness,
                 const SigningKey* identity, AuditLog* log)
      : auth_(auth), witness_(witness), identity_(identity), log_(log) {}

  grpc::Status Cosign(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                      fedlink::v1::Signed* response) override {
    auto verified = auth_.Verify(*context, request->envelope(), "fedlink.v1.CosignRequest");
    absl::StatusOr<std::string> line =
        verified.ok() ? absl::UnknownError("not cosigned") : verified.status();
    fedlink::v1::CosignRequest body;
    if (verified.ok()) {
      if (!body.ParseFromString(verified->body)) {
        line = absl::InvalidArgumentError("malformed cosign request");
      } else {
        std::vector<std::string> proof(body.proof().begin(), body.proof().end());
        line = witness_->Cosign(verified->sender.identity, body.checkpoint(), body.old_size(),
                                proof);
      }
    }
    Event e = ResponderEvent(line.ok() ? "witness.cosigned" : "witness.refused",
                             identity_->name(), request->envelope(),
                             verified.ok() ? &*verified : nullptr);
    e.peer_signed = body.checkpoint();  // the checkpoint offered: evidence either way
    e.outcome = OutcomeOf(line.status());
    if (auto logged = log_->Append(e); !logged.ok()) return ToGrpc(logged.status());
    if (!line.ok()) return ToGrpc(line.status());
    fedlink::v1::CosignAnswer answer;
    answer.set_request_sha256(verified->digest);
    answer.set_cosignature(*line);
    auto sealed = envelope::Seal(*identity_, "fedlink.v1.CosignAnswer", answer.SerializeAsString());
    if (!sealed.ok()) return ToGrpc(sealed.status());
    response->set_envelope(*std::move(sealed));
    return grpc::Status::OK;
  }

 private:
  const federation::PeerAuth& auth_;
  Witness* witness_;
  const SigningKey* identity_;
  AuditLog* log_;
};

}  // namespace

federation::PeerServiceFactory WitnessServiceFactory(Witness* witness,
                                                     const SigningKey* identity,
                                                     AuditLog* log) {
  return [=](const federation::PeerAuth& auth)
             -> absl::StatusOr<std::unique_ptr<grpc::Service>> {
    return std::make_unique<WitnessService>(auth, witness, identity, log);
  };
}

absl::StatusOr<std::string> RequestCosignature(const federation::Self& self,
                                               const federation::Member& witness,
                                               absl::string_view note, uint64_t old_size,
                                               const std::vector<std::string>& proof,
                                               absl::Duration deadline,
                                               std::string* request_digest) {
  fedlink::v1::CosignRequest body;
  body.set_checkpoint(std::string(note));
  body.set_old_size(old_size);
  for (const std::string& p : proof) body.add_proof(p);
  auto sealed =
      federation::SealRequest(self, witness.node_id, "audit", "fedlink.v1.CosignRequest", body);
  if (!sealed.ok()) return sealed.status();
  *request_digest = federation::EnvelopeDigest(*sealed);
  auto stub = fedlink::v1::Witness::NewStub(federation::OpenPeerChannel(self, witness));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  fedlink::v1::Signed request, response;
  request.set_envelope(*sealed);
  grpc::Status s = stub->Cosign(&context, request, &response);
  if (!s.ok()) return FromGrpc(s, witness.node_id);
  auto opened = federation::OpenAnswer(response.envelope(), "fedlink.v1.CosignAnswer", witness);
  if (!opened.ok()) return opened.status();
  fedlink::v1::CosignAnswer answer;
  if (!answer.ParseFromString(*opened) ||
      answer.request_sha256() != federation::EnvelopeDigest(*sealed)) {
    return absl::DataLossError(absl::StrCat(witness.node_id, ": answer does not name our request"));
  }
  return answer.cosignature();
}

}  // namespace fedlink::audit
