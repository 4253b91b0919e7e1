#include "node/private_match/match_service.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/escaping.h"
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

std::string Hex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

class MatchService final : public fedlink::v1::Match::Service {
 public:
  MatchService(const federation::PeerAuth& auth, Responder* responder,
               const SigningKey* identity, audit::AuditLog* audit)
      : auth_(auth), responder_(responder), identity_(identity), audit_(audit) {}

  // Logs `event` durably; the answer may leave only if this succeeds.
  absl::StatusOr<uint64_t> Log(audit::Event event) {
    if (audit_ == nullptr) return 0;
    event.responder = identity_->name();
    return audit_->Append(event);
  }
  std::string LatestCheckpoint() {
    if (audit_ == nullptr) return "";
    return audit_->LatestCheckpoint();
  }
  // A refused request is logged too (best effort: the refusal stands).
  grpc::Status Refuse(const std::string& event, const absl::Status& why,
                      const federation::VerifiedRequest* request,
                      absl::string_view envelope = "") {
    audit::Event e;
    e.event = event;
    e.outcome = absl::StrCat(absl::StatusCodeToString(why.code()), ": ", why.message());
    if (!envelope.empty()) {  // unauthenticated: still name the exchange
      e.request_sha256 = federation::EnvelopeDigest(envelope);
      e.exchange_id = Hex(e.request_sha256);
    }
    if (request != nullptr) {
      e.requester = request->sender.node_id;
      e.purpose = request->header.purpose;
      e.legal_basis = request->header.legal_basis;
      e.official = request->header.official;
      e.exchange_id = Hex(request->digest);
      e.request_sha256 = request->digest;
    }
    (void)Log(e);
    return ToGrpc(why);
  }

  grpc::Status GetTagTable(
      grpc::ServerContext* context, const fedlink::v1::Signed* request,
      grpc::ServerWriter<fedlink::v1::Signed>* writer) override {
    auto verified =
        auth_.Verify(*context, request->envelope(), "fedlink.v1.TableRequest");
    if (!verified.ok()) {
      return Refuse("match.table.refused", verified.status(), nullptr, request->envelope());
    }
    auto peer = PeerOf(*verified);
    if (!peer.ok()) return Refuse("match.table.refused", peer.status(), &*verified);
    auto table = responder_->TableFor(*peer, verified->header.purpose);
    if (!table.ok()) return Refuse("match.table.refused", table.status(), &*verified);
    const size_t total = table->slots.size();
    audit::Event e;
    e.event = "match.table.served";
    e.requester = verified->sender.node_id;
    e.purpose = verified->header.purpose;
    e.legal_basis = verified->header.legal_basis;
    e.official = verified->header.official;
    e.exchange_id = Hex(verified->digest);
    e.request_sha256 = verified->digest;
    e.peer_signed = request->envelope();  // small: a header
    e.count = total;
    e.detail = absl::StrCat("table ", table->table_id, " t=", table->t);
    auto logged = Log(e);
    if (!logged.ok()) return ToGrpc(logged.status());
    const std::string checkpoint = LatestCheckpoint();
    size_t next = 0;
    do {
      fedlink::v1::TableChunk chunk;
      chunk.set_request_sha256(verified->digest);
      chunk.set_table_id(table->table_id);
      chunk.set_t(table->t);
      chunk.set_min_score(table->min_score);
      chunk.set_notify_owner(table->notify_owner);
      chunk.set_total_slots(total);
      chunk.set_first_slot(next);
      const size_t end = std::min(total, next + kSlotsPerChunk);
      for (; next < end; ++next) {
        auto* slot = chunk.add_slots();
        slot->set_entries(std::move(table->slots[next].entries));
        slot->set_sealed_payload(std::move(table->slots[next].sealed_payload));
      }
      chunk.set_last(next == total);
      if (chunk.first_slot() == 0) {
        chunk.set_audit_index(*logged);
        chunk.set_audit_checkpoint(checkpoint);
      }
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
    if (!verified.ok()) {
      return Refuse("match.evaluate.refused", verified.status(), nullptr, request->envelope());
    }
    auto peer = PeerOf(*verified);
    if (!peer.ok()) return Refuse("match.evaluate.refused", peer.status(), &*verified);
    fedlink::v1::EvaluateRequest body;
    if (!body.ParseFromString(verified->body)) {
      return Refuse("match.evaluate.refused",
                    absl::InvalidArgumentError("malformed EvaluateRequest"), &*verified);
    }
    std::vector<oprf::Element> blinded(body.blinded_size());
    for (int i = 0; i < body.blinded_size(); ++i) {
      if (body.blinded(i).size() != oprf::kElementSize) {
        return Refuse("match.evaluate.refused",
                      absl::InvalidArgumentError(
                          absl::StrCat("element ", i, ": not ", oprf::kElementSize, " bytes")),
                      &*verified);
      }
      std::memcpy(blinded[i].data(), body.blinded(i).data(),
                  oprf::kElementSize);
    }
    uint64_t remaining = 0;
    std::string table_id;
    auto evaluated = responder_->Evaluate(*peer, verified->header.purpose,
                                          blinded, &remaining, &table_id);
    if (!evaluated.ok()) return Refuse("match.evaluate.refused", evaluated.status(), &*verified);
    audit::Event e;
    e.event = "match.evaluate.answered";
    e.requester = verified->sender.node_id;
    e.purpose = verified->header.purpose;
    e.legal_basis = verified->header.legal_basis;
    e.official = verified->header.official;
    e.exchange_id = Hex(verified->digest);
    e.request_sha256 = verified->digest;
    e.count = evaluated->size();
    e.detail = absl::StrCat("budget left ", remaining, "; table ", table_id);
    auto logged = Log(e);
    if (!logged.ok()) return ToGrpc(logged.status());
    fedlink::v1::EvaluateAnswer answer;
    answer.set_request_sha256(verified->digest);
    answer.set_budget_remaining(remaining);
    answer.set_table_id(table_id);
    answer.set_audit_index(*logged);
    answer.set_audit_checkpoint(LatestCheckpoint());
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
  audit::AuditLog* audit_;
};

}  // namespace

federation::PeerServiceFactory MatchServiceFactory(Responder* responder,
                                                   const SigningKey* identity,
                                                   audit::AuditLog* audit) {
  return [responder, identity, audit](const federation::PeerAuth& auth)
             -> absl::StatusOr<std::unique_ptr<grpc::Service>> {
    return std::make_unique<MatchService>(auth, responder, identity, audit);
  };
}

}  // namespace fedlink::private_match
