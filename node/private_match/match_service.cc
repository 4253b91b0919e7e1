#include "node/private_match/match_service.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <map>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/match.grpc.pb.h"
#include "node/common/metrics.h"
#include "node/federation/grpc_settings.h"
#include "node/federation/signed_rpc.h"
#include "node/match/keyspec.h"
#include "node/private_match/bucket_server.h"
#include "node/private_match/requester.h"
#include "node/private_match/table_delta.h"

namespace fedlink::private_match {

using federation::ToGrpc;
namespace {

using federation::VerifiedRequest;

absl::StatusOr<PeerIdentity> PeerOf(const VerifiedRequest& v) {
  auto role = config::ParseNodeRole(v.sender.role);
  if (!role.ok()) {
    return absl::PermissionDeniedError(
        absl::StrCat("roster member ", v.sender.node_id, " has no valid role"));
  }
  return PeerIdentity{v.sender.node_id, *role};
}

// The largest EvaluateRequest fits its method's envelope limit: each element
// costs 34 bytes on the wire, plus the header.
static_assert(kMaxEvaluateElements * (crypto::oprf::kElementSize + 2) +
                      federation::kMaxHeaderOnlyEnvelope <=
                  federation::kMaxEvaluateEnvelope,
              "kMaxEvaluateEnvelope must hold kMaxEvaluateElements");

constexpr federation::SignedMethod kGetTagTable = {
    .request = "fedlink.v1.TableRequest",
    .answer = "fedlink.v1.TableChunk",
    .answered = "match.table.served",
    .refused = "match.table.refused",
    .max_envelope_bytes = federation::kMaxHeaderOnlyEnvelope,
};
constexpr federation::SignedMethod kEvaluate = {
    .request = "fedlink.v1.EvaluateRequest",
    .answer = "fedlink.v1.EvaluateAnswer",
    .answered = "match.evaluate.answered",
    .refused = "match.evaluate.refused",
    .max_envelope_bytes = federation::kMaxEvaluateEnvelope,
};

constexpr federation::SignedMethod kGetBuckets = {
    .request = "fedlink.v1.BucketRequest",
    .answer = "fedlink.v1.BucketAnswer",
    .answered = "match.buckets.served",
    .refused = "match.buckets.refused",
    .max_envelope_bytes = federation::kMaxHeaderOnlyEnvelope,
};
static_assert(kMaxBucketPrefixes * 5 + 4096 <= federation::kMaxHeaderOnlyEnvelope,
              "a BucketRequest of kMaxBucketPrefixes must fit its envelope limit");
static_assert(kMaxBucketAnswerBytes + (size_t{1} << 20) <= federation::kMaxAnswerBytes,
              "a BucketAnswer of kMaxBucketAnswerBytes of slots must fit the answer limit");

// A decoded BucketRequest.
struct BucketCall {
  PeerIdentity peer;
  int prefix_bits = 0;
  std::vector<uint32_t> prefixes;
};

absl::StatusOr<BucketCall> DecodeBucketRequest(const VerifiedRequest& v) {
  ASSIGN_OR_RETURN(PeerIdentity peer, PeerOf(v));
  fedlink::v1::BucketRequest body;
  if (!body.ParseFromString(v.body)) return absl::InvalidArgumentError("malformed BucketRequest");
  if (body.prefix_bits() > static_cast<uint32_t>(kMaxPrefixBits)) {
    return absl::InvalidArgumentError(
        absl::StrCat("prefix length ", body.prefix_bits(), " exceeds ", kMaxPrefixBits));
  }
  if (static_cast<size_t>(body.prefixes_size()) > kMaxBucketPrefixes) {
    return absl::ResourceExhaustedError(absl::StrCat("BucketRequest of ", body.prefixes_size(),
                                                     " prefixes exceeds the limit of ",
                                                     kMaxBucketPrefixes));
  }
  return BucketCall{std::move(peer),
                    static_cast<int>(body.prefix_bits()),
                    {body.prefixes().begin(), body.prefixes().end()}};
}

// A decoded TableRequest: who asks, and which table it holds (if any).
struct TableCall {
  PeerIdentity peer;
  HeldTable held;
};

// A decoded EvaluateRequest.
struct EvaluateCall {
  PeerIdentity peer;
  std::vector<crypto::oprf::Element> blinded;
  std::vector<match::keyspec::KeyType> key_types;  // of each element
};

struct Evaluated {
  std::vector<crypto::oprf::Element> elements;
  uint64_t remaining = 0;
  std::string table_id;
};

absl::StatusOr<TableCall> DecodeTableRequest(const VerifiedRequest& v) {
  ASSIGN_OR_RETURN(PeerIdentity peer, PeerOf(v));
  fedlink::v1::TableRequest body;
  if (!body.ParseFromString(v.body)) {
    return absl::InvalidArgumentError("malformed TableRequest");
  }
  return TableCall{std::move(peer),
                   HeldTable{body.have_table_id(), body.have_version(), body.have_as_of()}};
}

absl::StatusOr<EvaluateCall> DecodeEvaluateRequest(const VerifiedRequest& v) {
  ASSIGN_OR_RETURN(PeerIdentity peer, PeerOf(v));
  fedlink::v1::EvaluateRequest body;
  if (!body.ParseFromString(v.body)) {
    return absl::InvalidArgumentError("malformed EvaluateRequest");
  }
  if (static_cast<size_t>(body.blinded_size()) > kMaxEvaluateElements) {
    return absl::ResourceExhaustedError(absl::StrCat("EvaluateRequest of ", body.blinded_size(),
                                                     " elements exceeds the limit of ",
                                                     kMaxEvaluateElements));
  }
  std::vector<crypto::oprf::Element> blinded(body.blinded_size());
  for (int i = 0; i < body.blinded_size(); ++i) {
    if (body.blinded(i).size() != crypto::oprf::kElementSize) {
      return absl::InvalidArgumentError(
          absl::StrCat("element ", i, ": not ", crypto::oprf::kElementSize, " bytes"));
    }
    std::memcpy(blinded[i].data(), body.blinded(i).data(), crypto::oprf::kElementSize);
  }
  if (body.key_types().size() != blinded.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the batch names ", body.key_types().size(),
                                                   " key types for ", blinded.size(),
                                                   " elements (each needs its key type)"));
  }
  std::vector<match::keyspec::KeyType> key_types(blinded.size());
  for (size_t i = 0; i < key_types.size(); ++i) {
    const int type = static_cast<unsigned char>(body.key_types()[i]);
    if (type >= match::keyspec::kKeyTypeCount) {
      return absl::InvalidArgumentError(absl::StrCat("element ", i, ": unknown key type ", type));
    }
    key_types[i] = static_cast<match::keyspec::KeyType>(type);
  }
  return EvaluateCall{std::move(peer), std::move(blinded), std::move(key_types)};
}

class MatchService final : public fedlink::v1::Match::Service {
 public:
  MatchService(const federation::PeerAuth& auth, Responder* responder,
               const crypto::SigningKey* identity, audit::AuditLog* audit)
      : responder_(responder), buckets_(responder), handler_(auth, identity, audit) {}

  grpc::Status GetTagTable(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                           grpc::ServerWriter<fedlink::v1::Signed>* writer) override {
    const absl::string_view envelope = request->envelope();
    auto update = [&](const VerifiedRequest& v, TableCall& call,
                      audit::Event& entry) -> absl::StatusOr<TableUpdate> {
      RETURN_IF_ERROR(responder_->CheckAuthority(call.peer, v.header.purpose, v.header.legal_basis,
                                                 v.header.official));
      ASSIGN_OR_RETURN(TableUpdate update,
                       responder_->UpdateFor(call.peer, v.header.purpose,
                                             call.held.table_id.empty() ? nullptr : &call.held));
      const Table& table = update.table;
      entry.peer_signed = std::string(envelope);  // small: a header
      entry.count = table.slots.size();
      entry.detail =
          absl::StrCat("table ", table.table_id, " t=", table.t, " version ", table.version);
      if (update.delta) {
        absl::StrAppend(&entry.detail, ": delta since version ", call.held.version, ", ",
                        table.slots.size(), " slots added or changed, ", update.removed.size(),
                        " dropped, ", update.slots_after, " in all");
      }
      return update;
    };
    return ToGrpc(handler_.Stream(*context, envelope, kGetTagTable,
                                  federation::SinkTo(writer, "requester"), &DecodeTableRequest,
                                  update, &SendTable));
  }

  grpc::Status Evaluate(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                        fedlink::v1::Signed* response) override {
    return federation::Reply(Answer(*context, request->envelope()), response);
  }

  grpc::Status GetBuckets(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                          fedlink::v1::Signed* response) override {
    auto serve = [this](const VerifiedRequest& v, BucketCall& call,
                        audit::Event& entry) -> absl::StatusOr<Buckets> {
      RETURN_IF_ERROR(responder_->CheckAuthority(call.peer, v.header.purpose, v.header.legal_basis,
                                                 v.header.official));
      ASSIGN_OR_RETURN(Buckets out, buckets_.Serve(call.peer, v.header.purpose, call.prefix_bits,
                                                   call.prefixes));
      entry.count = out.table.slots.size();
      entry.detail =
          absl::StrCat("table ", out.table.table_id, " buckets: ", call.prefixes.size(),
                       " prefixes of ", call.prefix_bits, " bits, ", out.table.slots.size(),
                       " slots of ", out.total_slots, "; budget left ", out.budget_remaining);
      return out;
    };
    auto answer = [](const VerifiedRequest& v, Buckets& out, const federation::Logged& logged) {
      fedlink::v1::BucketAnswer answer;
      answer.set_request_sha256(v.digest);
      answer.set_table_id(out.table.table_id);
      answer.set_t(out.table.t);
      answer.set_min_score(out.table.min_score);
      answer.set_notify_owner(out.table.notify_owner);
      answer.set_keyspec(static_cast<uint32_t>(out.table.keyspec));
      answer.set_total_slots(out.total_slots);
      answer.set_prefix_bits(static_cast<uint32_t>(out.prefix_bits));
      answer.set_min_bucket_records(out.min_records);
      answer.set_budget_remaining(out.budget_remaining);
      answer.set_audit_index(logged.index);
      answer.set_audit_checkpoint(logged.checkpoint);
      for (Slot& s : out.table.slots) {
        auto* slot = answer.add_slots();
        slot->set_id(s.id);
        slot->set_entries(std::move(s.entries));
        slot->set_sealed_payload(std::move(s.sealed_payload));
      }
      return answer;
    };
    return federation::Reply(handler_.Unary(*context, request->envelope(), kGetBuckets,
                                            &DecodeBucketRequest, serve, answer),
                             response);
  }

  grpc::Status EvaluateStream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<fedlink::v1::Signed, fedlink::v1::Signed>* stream) override {
    fedlink::v1::Signed request;
    while (stream->Read(&request)) {
      fedlink::v1::Signed response;
      grpc::Status s = federation::Reply(Answer(*context, request.envelope()), &response);
      if (!s.ok()) return s;
      if (!stream->Write(response)) {
        return grpc::Status(grpc::StatusCode::CANCELLED, "requester went away");
      }
    }
    return grpc::Status::OK;
  }

 private:
  // One signed EvaluateRequest: verified, authorised, evaluated, charged,
  // logged, answered.
  absl::StatusOr<std::string> Answer(const grpc::ServerContext& context,
                                     absl::string_view envelope) {
    auto evaluate = [this](const VerifiedRequest& v, EvaluateCall& call,
                           audit::Event& entry) -> absl::StatusOr<Evaluated> {
      Evaluated out;
      RETURN_IF_ERROR(responder_->CheckAuthority(call.peer, v.header.purpose, v.header.legal_basis,
                                                 v.header.official));
      ASSIGN_OR_RETURN(out.elements,
                       responder_->Evaluate(call.peer, v.header.purpose, call.blinded,
                                            call.key_types, &out.remaining, &out.table_id));
      entry.count = out.elements.size();
      entry.detail = absl::StrCat("budget left ", out.remaining, "; table ", out.table_id);
      common::Metrics::Global().Set("fedlink_budget_remaining",
                                    {{"peer", call.peer.node_id}, {"purpose", v.header.purpose}},
                                    static_cast<double>(out.remaining));
      // How many elements of each key type: an auditor sees a batch that
      // probes one selector type only (docs/audit.md "Misuse signals").
      std::map<std::string, uint64_t> per_type;
      for (match::keyspec::KeyType t : call.key_types) ++per_type[match::keyspec::Info(t).name];
      absl::StrAppend(&entry.detail, "; key types");
      for (const auto& [name, n] : per_type) absl::StrAppend(&entry.detail, " ", name, "=", n);
      return out;
    };
    auto answer = [](const VerifiedRequest& v, Evaluated& evaluated,
                     const federation::Logged& logged) {
      fedlink::v1::EvaluateAnswer answer;
      answer.set_request_sha256(v.digest);
      answer.set_budget_remaining(evaluated.remaining);
      answer.set_table_id(evaluated.table_id);
      answer.set_audit_index(logged.index);
      answer.set_audit_checkpoint(logged.checkpoint);
      for (const crypto::oprf::Element& e : evaluated.elements) {
        answer.add_evaluated(reinterpret_cast<const char*>(e.data()), e.size());
      }
      return answer;
    };
    return handler_.Unary(context, envelope, kEvaluate, &DecodeEvaluateRequest, evaluate, answer);
  }

  // The table in chunks of kSlotsPerChunk slots; the first names the
  // dropped slots and the audit entry.
  static absl::Status SendTable(const VerifiedRequest& v, TableUpdate& update,
                                const federation::Logged& logged, federation::ChunkWriter& out) {
    Table* table = &update.table;
    const size_t total = table->slots.size();
    size_t next = 0;
    size_t wire_bytes = 0;
    do {
      fedlink::v1::TableChunk chunk;
      chunk.set_request_sha256(v.digest);
      chunk.set_table_id(table->table_id);
      chunk.set_t(table->t);
      chunk.set_min_score(table->min_score);
      chunk.set_notify_owner(table->notify_owner);
      chunk.set_keyspec(static_cast<uint32_t>(table->keyspec));
      chunk.set_total_slots(total);
      chunk.set_first_slot(next);
      chunk.set_version(table->version);
      chunk.set_as_of(table->as_of);
      chunk.set_delta(update.delta);
      chunk.set_slots_after(update.slots_after);
      const size_t end = std::min(total, next + kSlotsPerChunk);
      // At most kSlotsPerChunk slots and about kTableChunkBytes, so that a
      // chunk fits the requester's receive limit whatever the slots hold.
      size_t bytes = 0;
      for (; next < end && bytes < federation::kTableChunkBytes; ++next) {
        bytes += table->slots[next].entries.size() + table->slots[next].sealed_payload.size();
        auto* slot = chunk.add_slots();
        slot->set_id(table->slots[next].id);
        slot->set_entries(std::move(table->slots[next].entries));
        slot->set_sealed_payload(std::move(table->slots[next].sealed_payload));
      }
      chunk.set_last(next == total);
      if (chunk.first_slot() == 0) {
        for (uint64_t id : update.removed) chunk.add_removed(id);
        chunk.set_audit_index(logged.index);
        chunk.set_audit_checkpoint(logged.checkpoint);
      }
      wire_bytes += chunk.ByteSizeLong();
      RETURN_IF_ERROR(out.Write(chunk));
    } while (next < total);
    const common::MetricLabels labels = {{"peer", v.sender.node_id}, {"purpose", v.header.purpose}};
    common::Metrics::Global().Add("fedlink_table_bytes_served_total", labels,
                                  static_cast<double>(wire_bytes));
    if (update.delta) common::Metrics::Global().Add("fedlink_table_deltas_served_total", labels);
    return absl::OkStatus();
  }

  Responder* responder_;
  BucketServer buckets_;
  federation::SignedHandler handler_;
};

}  // namespace

federation::PeerServiceFactory MatchServiceFactory(Responder* responder,
                                                   const crypto::SigningKey* identity,
                                                   audit::AuditLog* audit) {
  return [responder, identity, audit](
             const federation::PeerAuth& auth) -> absl::StatusOr<std::unique_ptr<grpc::Service>> {
    return std::make_unique<MatchService>(auth, responder, identity, audit);
  };
}

}  // namespace fedlink::private_match
