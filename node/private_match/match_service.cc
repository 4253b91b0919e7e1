#include "node/private_match/match_service.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/match.grpc.pb.h"

namespace fedlink::private_match {
namespace {

grpc::Status ToGrpc(const absl::Status& s) {
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()),
                      std::string(s.message()));
}

absl::StatusOr<PeerIdentity> PeerOf(const federation::VerifiedRequest& v) {
  auto role = ParseNodeRole(v.sender.role);
  if (!role.ok()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "roster member ", v.sender.node_id, " has no valid role"));
  }
  return PeerIdentity{v.sender.node_id, *role};
}

class MatchService final : public fedlink::v1::Match::Service {
 public:
  MatchService(const federation::PeerAuth& auth, Responder* responder,
               const SigningKey* identity)
      : auth_(auth), responder_(responder), identity_(identity) {}

  grpc::Status GetTagTable(
      grpc::ServerContext* context, const fedlink::v1::Signed* request,
      grpc::ServerWriter<fedlink::v1::Signed>* writer) override {
    auto verified =
        auth_.Verify(*context, request->envelope(), "fedlink.v1.TableRequest");
    if (!verified.ok()) return ToGrpc(verified.status());
    auto peer = PeerOf(*verified);
    if (!peer.ok()) return ToGrpc(peer.status());
    auto table = responder_->TableFor(*peer, verified->header.purpose);
    if (!table.ok()) return ToGrpc(table.status());
    const size_t total = table->slots.size();
    size_t next = 0;
    do {
      fedlink::v1::TableChunk chunk;
      chunk.set_request_sha256(verified->digest);
      chunk.set_table_id(table->table_id);
      chunk.set_t(table->t);
      chunk.set_min_score(table->min_score);
      chunk.set_total_slots(total);
      chunk.set_first_slot(next);
      const size_t end = std::min(total, next + kSlotsPerChunk);
      for (; next < end; ++next) {
        auto* slot = chunk.add_slots();
        slot->set_entries(std::move(table->slots[next].entries));
        slot->set_sealed_payload(std::move(table->slots[next].sealed_payload));
      }
      chunk.set_last(next == total);
      auto sealed = envelope::Seal(*identity_, "fedlink.v1.TableChunk",
                                   chunk.SerializeAsString());
      if (!sealed.ok()) return ToGrpc(sealed.status());
      fedlink::v1::Signed out;
      out.set_envelope(*std::move(sealed));
      if (!writer->Write(out)) {
        return grpc::Status(grpc::StatusCode::CANCELLED,
                            "requester went away");
      }
    } while (next < total);
    return grpc::Status::OK;
  }

  grpc::Status Evaluate(grpc::ServerContext* context,
                        const fedlink::v1::Signed* request,
                        fedlink::v1::Signed* response) override {
    auto verified = auth_.Verify(*context, request->envelope(),
                                 "fedlink.v1.EvaluateRequest");
    if (!verified.ok()) return ToGrpc(verified.status());
    auto peer = PeerOf(*verified);
    if (!peer.ok()) return ToGrpc(peer.status());
    fedlink::v1::EvaluateRequest body;
    if (!body.ParseFromString(verified->body)) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "malformed EvaluateRequest");
    }
    std::vector<oprf::Element> blinded(body.blinded_size());
    for (int i = 0; i < body.blinded_size(); ++i) {
      if (body.blinded(i).size() != oprf::kElementSize) {
        return grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            absl::StrCat("element ", i, ": not ", oprf::kElementSize, " bytes"));
      }
      std::memcpy(blinded[i].data(), body.blinded(i).data(),
                  oprf::kElementSize);
    }
    uint64_t remaining = 0;
    std::string table_id;
    auto evaluated = responder_->Evaluate(*peer, verified->header.purpose,
                                          blinded, &remaining, &table_id);
    if (!evaluated.ok()) return ToGrpc(evaluated.status());
    fedlink::v1::EvaluateAnswer answer;
    answer.set_request_sha256(verified->digest);
    answer.set_budget_remaining(remaining);
    answer.set_table_id(table_id);
    for (const oprf::Element& e : *evaluated) {
      answer.add_evaluated(reinterpret_cast<const char*>(e.data()), e.size());
    }
    auto sealed = envelope::Seal(*identity_, "fedlink.v1.EvaluateAnswer",
                                 answer.SerializeAsString());
    if (!sealed.ok()) return ToGrpc(sealed.status());
    response->set_envelope(*std::move(sealed));
    return grpc::Status::OK;
  }

 private:
  const federation::PeerAuth& auth_;
  Responder* responder_;
  const SigningKey* identity_;
};

}  // namespace

federation::PeerServiceFactory MatchServiceFactory(Responder* responder,
                                                   const SigningKey* identity) {
  return [responder, identity](const federation::PeerAuth& auth)
             -> absl::StatusOr<std::unique_ptr<grpc::Service>> {
    return std::make_unique<MatchService>(auth, responder, identity);
  };
}

}  // namespace fedlink::private_match
