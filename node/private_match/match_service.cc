#include "node/private_match/match_service.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/match.grpc.pb.h"
#include "node/federation/grpc_status.h"
#include "node/audit/exchange_event.h"
#include "node/private_match/table_delta.h"

namespace fedlink::private_match {

using federation::ToGrpc;
namespace {

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
                      const federation::VerifiedRequest* request, absl::string_view envelope) {
    audit::Event e = audit::ResponderEvent(event, identity_->name(), envelope, request);
    e.outcome = audit::OutcomeOf(why);
    (void)Log(e);
    return ToGrpc(why);
  }

  grpc::Status GetTagTable(
      grpc::ServerContext* context, const fedlink::v1::Signed* request,
      grpc::ServerWriter<fedlink::v1::Signed>* writer) override {
    auto verified =
        auth_.Verify(*context, request->envelope(), "fedlink.v1.TableRequest");
    const absl::string_view envelope = request->envelope();
    if (!verified.ok()) return Refuse("match.table.refused", verified.status(), nullptr, envelope);
    auto peer = PeerOf(*verified);
    if (!peer.ok()) return Refuse("match.table.refused", peer.status(), &*verified, envelope);
    fedlink::v1::TableRequest body;
    if (!body.ParseFromString(verified->body)) {
      return Refuse("match.table.refused", absl::InvalidArgumentError("malformed TableRequest"),
                    &*verified, envelope);
    }
    HeldTable held{body.have_table_id(), body.have_version(), body.have_as_of()};
    auto update = responder_->UpdateFor(*peer, verified->header.purpose,
                                        held.table_id.empty() ? nullptr : &held);
    if (!update.ok()) return Refuse("match.table.refused", update.status(), &*verified, envelope);
    Table* table = &update->table;
    const size_t total = table->slots.size();
    audit::Event e =
        audit::ResponderEvent("match.table.served", identity_->name(), envelope, &*verified);
    e.peer_signed = std::string(envelope);  // small: a header
    e.count = total;
    e.detail = absl::StrCat("table ", table->table_id, " t=", table->t, " version ",
                            table->version);
    if (update->delta) {
      absl::StrAppend(&e.detail, ": delta since version ", held.version, ", ", total,
                      " slots added or changed, ", update->removed.size(), " dropped, ",
                      update->slots_after, " in all");
    }
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
      chunk.set_version(table->version);
      chunk.set_as_of(table->as_of);
      chunk.set_delta(update->delta);
      chunk.set_slots_after(update->slots_after);
      const size_t end = std::min(total, next + kSlotsPerChunk);
      for (; next < end; ++next) {
        auto* slot = chunk.add_slots();
        slot->set_id(table->slots[next].id);
        slot->set_entries(std::move(table->slots[next].entries));
        slot->set_sealed_payload(std::move(table->slots[next].sealed_payload));
      }
      chunk.set_last(next == total);
      if (chunk.first_slot() == 0) {
        for (uint64_t id : update->removed) chunk.add_removed(id);
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
    return Answer(*context, request->envelope(), response);
  }

  grpc::Status EvaluateStream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<fedlink::v1::Signed, fedlink::v1::Signed>* stream) override {
    fedlink::v1::Signed request;
    while (stream->Read(&request)) {
      fedlink::v1::Signed response;
      if (grpc::Status s = Answer(*context, request.envelope(), &response); !s.ok()) return s;
      if (!stream->Write(response)) {
        return grpc::Status(grpc::StatusCode::CANCELLED, "requester went away");
      }
    }
    return grpc::Status::OK;
  }

  // One signed EvaluateRequest: verified, authorised, evaluated, charged,
  // logged, answered.
  grpc::Status Answer(grpc::ServerContext& context, absl::string_view envelope,
                      fedlink::v1::Signed* response) {
    auto verified = auth_.Verify(context, envelope, "fedlink.v1.EvaluateRequest");
    if (!verified.ok()) {
      return Refuse("match.evaluate.refused", verified.status(), nullptr, envelope);
    }
    auto peer = PeerOf(*verified);
    if (!peer.ok()) return Refuse("match.evaluate.refused", peer.status(), &*verified, envelope);
    fedlink::v1::EvaluateRequest body;
    if (!body.ParseFromString(verified->body)) {
      return Refuse("match.evaluate.refused",
                    absl::InvalidArgumentError("malformed EvaluateRequest"), &*verified,
                    envelope);
    }
    std::vector<oprf::Element> blinded(body.blinded_size());
    for (int i = 0; i < body.blinded_size(); ++i) {
      if (body.blinded(i).size() != oprf::kElementSize) {
        return Refuse("match.evaluate.refused",
                      absl::InvalidArgumentError(
                          absl::StrCat("element ", i, ": not ", oprf::kElementSize, " bytes")),
                      &*verified, envelope);
      }
      std::memcpy(blinded[i].data(), body.blinded(i).data(),
                  oprf::kElementSize);
    }
    uint64_t remaining = 0;
    std::string table_id;
    auto evaluated = responder_->Evaluate(*peer, verified->header.purpose,
                                          blinded, &remaining, &table_id);
    if (!evaluated.ok()) return Refuse("match.evaluate.refused", evaluated.status(), &*verified, envelope);
    audit::Event e = audit::ResponderEvent("match.evaluate.answered", identity_->name(),
                                           envelope, &*verified);
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
