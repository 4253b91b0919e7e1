#include "node/audit/witness_service.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/audit.grpc.pb.h"
#include "node/common/status_macros.h"
#include "node/federation/grpc_settings.h"
#include "node/federation/grpc_status.h"
#include "node/federation/signed_request.h"
#include "node/federation/signed_rpc.h"

namespace fedlink::audit {

using federation::FromGrpc;
namespace {

using federation::VerifiedRequest;

// A cosign request holds a checkpoint note (origin, size, root hash, a few
// signature lines) and a consistency proof of at most 64 hashes: a few KiB.
// Anything larger is refused before any of it is kept.
constexpr size_t kMaxCosignRequestBytes = 16 << 10;

constexpr federation::SignedMethod kCosign = {
    .request = "fedlink.v1.CosignRequest",
    .answer = "fedlink.v1.CosignAnswer",
    .answered = "witness.cosigned",
    .refused = "witness.refused",
    .refusal_needs_entry = true,
    .max_envelope_bytes = federation::kMaxCosignEnvelope,
};

class WitnessService final : public fedlink::v1::Witness::Service {
 public:
  WitnessService(const federation::PeerAuth& auth, Witness* witness,
                 const crypto::SigningKey* identity, AuditLog* log)
      : witness_(witness), handler_(auth, identity, log) {}

  grpc::Status Cosign(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                      fedlink::v1::Signed* response) override {
    auto decode = [](const VerifiedRequest& v,
                     Event& entry) -> absl::StatusOr<fedlink::v1::CosignRequest> {
      if (v.body.size() > kMaxCosignRequestBytes) {
        return absl::InvalidArgumentError(absl::StrCat(
            "cosign request of ", v.body.size(), " bytes is larger than ", kMaxCosignRequestBytes));
      }
      fedlink::v1::CosignRequest body;
      const bool parsed = body.ParseFromString(v.body);
      entry.peer_signed = body.checkpoint();  // the checkpoint offered: evidence either way
      if (!parsed) return absl::InvalidArgumentError("malformed cosign request");
      return body;
    };
    auto cosign = [this](const VerifiedRequest& v, fedlink::v1::CosignRequest& body) {
      std::vector<std::string> proof(body.proof().begin(), body.proof().end());
      return witness_->Cosign(v.sender.identity, body.checkpoint(), body.old_size(), proof);
    };
    auto answer = [](const VerifiedRequest& v, std::string& line) {
      fedlink::v1::CosignAnswer answer;
      answer.set_request_sha256(v.digest);
      answer.set_cosignature(line);
      return answer;
    };
    return federation::Reply(
        handler_.Unary(*context, request->envelope(), kCosign, decode, cosign, answer), response);
  }

 private:
  Witness* witness_;
  federation::SignedHandler handler_;
};

}  // namespace

federation::PeerServiceFactory WitnessServiceFactory(Witness* witness,
                                                     const crypto::SigningKey* identity,
                                                     AuditLog* log) {
  return [=](const federation::PeerAuth& auth) -> absl::StatusOr<std::unique_ptr<grpc::Service>> {
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
  ASSIGN_OR_RETURN(auto sealed, federation::SealRequest(self, witness.node_id, "audit",
                                                        "fedlink.v1.CosignRequest", body));
  *request_digest = federation::EnvelopeDigest(sealed);
  auto stub = fedlink::v1::Witness::NewStub(federation::OpenPeerChannel(self, witness));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  fedlink::v1::Signed request, response;
  request.set_envelope(sealed);
  grpc::Status s = stub->Cosign(&context, request, &response);
  if (!s.ok()) return FromGrpc(s, witness.node_id);
  ASSIGN_OR_RETURN(auto opened,
                   federation::OpenAnswer(response.envelope(), "fedlink.v1.CosignAnswer", witness));
  fedlink::v1::CosignAnswer answer;
  if (!answer.ParseFromString(opened) ||
      answer.request_sha256() != federation::EnvelopeDigest(sealed)) {
    return absl::DataLossError(absl::StrCat(witness.node_id, ": answer does not name our request"));
  }
  return answer.cosignature();
}

}  // namespace fedlink::audit
