#include "node/private_match/match_client.h"

#include <grpcpp/grpcpp.h>

#include <cstring>
#include <deque>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/match.grpc.pb.h"
#include "node/audit/exchange_event.h"
#include "node/common/status_macros.h"
#include "node/federation/grpc_status.h"
#include "node/federation/peer_service.h"
#include "node/federation/signed_request.h"
#include "node/private_match/stale_table.h"
#include "node/private_match/table_assembler.h"

namespace fedlink::private_match {

using federation::FromGrpc;

struct MatchClient::Impl {
  federation::Self self;
  federation::Member peer;
  std::unique_ptr<fedlink::v1::Match::Stub> stub;

  common::Clock* clock() const { return self.clock ? self.clock : common::Clock::Real(); }

  // A signed request of `type` whose body is `body` with a fresh header.
  template <typename Message>
  absl::StatusOr<std::string> Sign(Message& body, absl::string_view type,
                                   absl::string_view purpose) const {
    return federation::SealRequest(self, peer.node_id, purpose, type, body);
  }

  // A signed EvaluateRequest for `blinded` (unary or one batch of a stream).
  absl::StatusOr<std::string> SealEvaluateRequest(
      absl::string_view purpose, absl::Span<const crypto::oprf::Element> blinded,
      absl::Span<const match::keyspec::KeyType> key_types) const {
    if (key_types.size() != blinded.size()) {
      return absl::InvalidArgumentError("every element needs its key type");
    }
    fedlink::v1::EvaluateRequest body;
    for (const crypto::oprf::Element& e : blinded)
      body.add_blinded(reinterpret_cast<const char*>(e.data()), e.size());
    std::string* types = body.mutable_key_types();
    types->reserve(key_types.size());
    for (match::keyspec::KeyType t : key_types) types->push_back(static_cast<char>(t));
    return Sign(body, "fedlink.v1.EvaluateRequest", purpose);
  }

  absl::Status PeerError(absl::string_view what, const absl::Status& s) const {
    return WithPayloadsOf(
        absl::Status(s.code(), absl::StrCat(peer.node_id, ": ", what, ": ", s.message())), s);
  }
};

MatchClient::MatchClient(const federation::Self& self, federation::Member peer, TableLimits limits)
    : impl_(std::make_unique<Impl>()), limits_(limits) {
  impl_->self = self;
  impl_->peer = std::move(peer);
  impl_->stub = fedlink::v1::Match::NewStub(federation::OpenPeerChannel(self, impl_->peer));
}

MatchClient::~MatchClient() = default;

namespace {

// The requester's log entry for one exchange.
absl::Status LogExchange(audit::AuditLog* log, const federation::Self& self,
                         const federation::Member& peer, absl::string_view event,
                         absl::string_view purpose, absl::string_view request_digest,
                         uint64_t count, const absl::Status& outcome, std::string detail) {
  if (log == nullptr) return absl::OkStatus();
  audit::Event e =
      audit::RequesterEvent(self, peer, event, purpose, request_digest, count, outcome);
  e.detail = std::move(detail);
  return log->Append(e).status();
}

}  // namespace

absl::StatusOr<Table> MatchClient::FetchTable(absl::string_view purpose) {
  ASSIGN_OR_RETURN(auto update, FetchUpdate(purpose, nullptr));
  return std::move(update.table);
}

absl::StatusOr<TableUpdate> MatchClient::FetchUpdate(absl::string_view purpose, const Table* held) {
  auto update = FetchUpdateUnlogged(purpose, held);
  std::string detail = absl::StrCat("peer log index ", last_peer_index_);
  if (update.ok() && update->delta) {
    absl::StrAppend(&detail, "; delta to version ", update->table.version, ": ",
                    update->removed.size(), " dropped, ", update->slots_after, " in all");
  }
  RETURN_IF_ERROR(LogExchange(audit_, impl_->self, impl_->peer, "match.table.fetched", purpose,
                              last_digest_, update.ok() ? update->table.slots.size() : 0,
                              update.status(), std::move(detail)));
  return update;
}

absl::StatusOr<TableUpdate> MatchClient::FetchUpdateUnlogged(absl::string_view purpose,
                                                             const Table* held) {
  fedlink::v1::TableRequest body;
  if (held != nullptr) {
    body.set_have_table_id(held->table_id);
    body.set_have_version(held->version);
    body.set_have_as_of(held->as_of);
  }
  ASSIGN_OR_RETURN(auto sealed, impl_->Sign(body, "fedlink.v1.TableRequest", purpose));
  const std::string digest = federation::EnvelopeDigest(sealed);
  last_digest_ = digest;
  const std::string want_prefix = TableIdPrefix(
      impl_->peer.node_id, purpose, EpochAt(impl_->clock()->Now(), impl_->peer.epoch_days));
  const size_t max_slots = std::min<uint64_t>(limits_.max_slots, impl_->peer.max_table_records);
  fedlink::v1::Signed request, signed_chunk;
  request.set_envelope(sealed);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + table_deadline));
  auto reader = impl_->stub->GetTagTable(&context, request);

  TableAssembler assembler({digest, want_prefix, max_slots, limits_.max_bytes, held});
  const auto bad = [&](absl::string_view why) {
    last_peer_index_ = assembler.audit_index();
    context.TryCancel();
    return impl_->PeerError("tag table refused", absl::DataLossError(std::string(why)));
  };
  while (reader->Read(&signed_chunk)) {
    if (assembler.complete()) return bad("data after the last chunk");
    auto opened =
        federation::OpenAnswer(signed_chunk.envelope(), "fedlink.v1.TableChunk", impl_->peer);
    if (!opened.ok()) return bad(opened.status().message());
    if (absl::Status s = assembler.Add(*opened); !s.ok()) return bad(s.message());
  }
  last_peer_index_ = assembler.audit_index();
  grpc::Status status = reader->Finish();
  if (!status.ok()) return impl_->PeerError("tag table", FromGrpc(status));
  auto update = std::move(assembler).Finish();
  if (!update.ok()) return impl_->PeerError("tag table", update.status());
  expected_table_id_ = update->table.table_id;
  return update;
}

absl::StatusOr<Buckets> MatchClient::FetchBuckets(absl::string_view purpose, int prefix_bits,
                                                  absl::Span<const uint32_t> prefixes) {
  auto buckets = FetchBucketsUnlogged(purpose, prefix_bits, prefixes);
  std::string detail = absl::StrCat("peer log index ", last_peer_index_, "; ", prefixes.size(),
                                    " prefixes of ", prefix_bits, " bits");
  if (buckets.ok()) {
    absl::StrAppend(&detail, "; ", buckets->table.slots.size(), " slots of ", buckets->total_slots,
                    ", table ", buckets->table.table_id);
  }
  RETURN_IF_ERROR(LogExchange(audit_, impl_->self, impl_->peer, "match.buckets.fetched", purpose,
                              last_digest_, buckets.ok() ? buckets->table.slots.size() : 0,
                              buckets.status(), std::move(detail)));
  return buckets;
}

absl::StatusOr<Buckets> MatchClient::FetchBucketsUnlogged(absl::string_view purpose,
                                                          int prefix_bits,
                                                          absl::Span<const uint32_t> prefixes) {
  fedlink::v1::BucketRequest body;
  body.set_prefix_bits(static_cast<uint32_t>(prefix_bits));
  for (uint32_t p : prefixes) body.add_prefixes(p);
  ASSIGN_OR_RETURN(auto sealed, impl_->Sign(body, "fedlink.v1.BucketRequest", purpose));
  last_digest_ = federation::EnvelopeDigest(sealed);
  last_peer_index_ = 0;
  fedlink::v1::Signed request, response;
  request.set_envelope(sealed);
  grpc::ClientContext context;
  // As long as a table fetch: the peer may build its table for the first.
  context.set_deadline(absl::ToChronoTime(absl::Now() + table_deadline));
  grpc::Status status = impl_->stub->GetBuckets(&context, request, &response);
  if (!status.ok()) return impl_->PeerError("buckets", FromGrpc(status));
  auto opened = federation::OpenAnswer(response.envelope(), "fedlink.v1.BucketAnswer", impl_->peer);
  if (!opened.ok()) return impl_->PeerError("buckets", opened.status());
  fedlink::v1::BucketAnswer answer;
  if (!answer.ParseFromString(*opened) || answer.request_sha256() != last_digest_) {
    return impl_->PeerError("buckets", absl::DataLossError("answer does not match our request"));
  }
  last_peer_index_ = answer.audit_index();
  const std::string want_prefix = TableIdPrefix(
      impl_->peer.node_id, purpose, EpochAt(impl_->clock()->Now(), impl_->peer.epoch_days));
  const size_t max_slots = std::min<uint64_t>(limits_.max_slots, impl_->peer.max_table_records);
  if (!absl::StartsWith(answer.table_id(), want_prefix)) {
    return impl_->PeerError("buckets", absl::DataLossError("answer is for another table"));
  }
  if (answer.prefix_bits() > static_cast<uint32_t>(kMaxPrefixBits) ||
      (prefix_bits != 0 && answer.prefix_bits() != static_cast<uint32_t>(prefix_bits)) ||
      (prefix_bits == 0 && answer.slots_size() != 0)) {
    return impl_->PeerError("buckets", absl::DataLossError("answer of another prefix length"));
  }
  if (answer.total_slots() > max_slots ||
      static_cast<uint64_t>(answer.slots_size()) > answer.total_slots()) {
    return impl_->PeerError(
        "buckets", absl::DataLossError(absl::StrCat("table of ", answer.total_slots(),
                                                    " records exceeds the limit of ", max_slots)));
  }
  Buckets out;
  out.total_slots = answer.total_slots();
  out.prefix_bits = static_cast<int>(answer.prefix_bits());
  out.min_records = answer.min_bucket_records();
  out.budget_remaining = answer.budget_remaining();
  out.wire_bytes = last_wire_bytes_ = request.ByteSizeLong() + response.ByteSizeLong();
  Table& t = out.table;
  t.table_id = answer.table_id();
  t.t = static_cast<int>(answer.t());
  t.min_score = answer.min_score();
  t.notify_owner = answer.notify_owner();
  t.keyspec = answer.keyspec() == 0 ? 1 : static_cast<int>(answer.keyspec());
  t.slots.reserve(answer.slots_size());
  for (auto& slot : *answer.mutable_slots()) {
    t.slots.push_back(
        {slot.id(), std::move(*slot.mutable_entries()), std::move(*slot.mutable_sealed_payload())});
  }
  if (prefix_bits != 0) budget_remaining_ = answer.budget_remaining();
  return out;
}

absl::Status MatchClient::Evaluate(absl::string_view purpose,
                                   absl::Span<const crypto::oprf::Element> blinded,
                                   absl::Span<const match::keyspec::KeyType> key_types,
                                   absl::Span<crypto::oprf::Element> out) {
  const absl::Status s = EvaluateUnlogged(purpose, blinded, key_types, out);
  const absl::Status logged =
      LogExchange(audit_, impl_->self, impl_->peer, "match.evaluate.sent", purpose, last_digest_,
                  blinded.size(), s, absl::StrCat("peer log index ", last_peer_index_));
  return logged.ok() ? s : logged;
}

absl::Status MatchClient::EvaluateUnlogged(absl::string_view purpose,
                                           absl::Span<const crypto::oprf::Element> blinded,
                                           absl::Span<const match::keyspec::KeyType> key_types,
                                           absl::Span<crypto::oprf::Element> out) {
  ASSIGN_OR_RETURN(auto sealed, impl_->SealEvaluateRequest(purpose, blinded, key_types));
  last_digest_ = federation::EnvelopeDigest(sealed);
  last_peer_index_ = 0;
  fedlink::v1::Signed request, response;
  request.set_envelope(sealed);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + evaluate_deadline));
  grpc::Status status = impl_->stub->Evaluate(&context, request, &response);
  if (!status.ok()) return impl_->PeerError("evaluate", FromGrpc(status));
  last_wire_bytes_ = request.ByteSizeLong() + response.ByteSizeLong();
  return TakeAnswer(response.envelope(), last_digest_, out);
}

absl::Status MatchClient::TakeAnswer(absl::string_view answer_envelope, absl::string_view digest,
                                     absl::Span<crypto::oprf::Element> out) {
  auto opened = federation::OpenAnswer(answer_envelope, "fedlink.v1.EvaluateAnswer", impl_->peer);
  if (!opened.ok()) return impl_->PeerError("evaluate", opened.status());
  fedlink::v1::EvaluateAnswer answer;
  if (!answer.ParseFromString(*opened) || answer.request_sha256() != digest ||
      static_cast<size_t>(answer.evaluated_size()) != out.size()) {
    return impl_->PeerError("evaluate", absl::DataLossError("answer does not match our request"));
  }
  if (!expected_table_id_.empty() && answer.table_id() != expected_table_id_) {
    // The peer re-keyed since our table was made (a consent withdrawn, a
    // record deleted, a new epoch): the table can no longer match.
    return impl_->PeerError("evaluate",
                            StaleTableError(absl::StrCat("ours '", expected_table_id_, "', now '",
                                                         answer.table_id(), "'")));
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (answer.evaluated(i).size() != crypto::oprf::kElementSize) {
      return impl_->PeerError("evaluate", absl::DataLossError(absl::StrCat("evaluated element ", i,
                                                                           " has the wrong size")));
    }
    std::memcpy(out[i].data(), answer.evaluated(i).data(), crypto::oprf::kElementSize);
  }
  budget_remaining_ = answer.budget_remaining();
  last_peer_index_ = answer.audit_index();
  return absl::OkStatus();
}

// The EvaluateStream RPC: a writer thread sends the signed batches queued
// by Send (so a full send window never stops us reading answers), Receive
// reads and checks the answers in order.
class GrpcEvaluationStream final : public EvaluationStream {
 public:
  GrpcEvaluationStream(MatchClient* client, absl::string_view purpose)
      : client_(client), purpose_(purpose) {
    context_.set_deadline(absl::ToChronoTime(absl::Now() + client->stream_deadline));
    stream_ = client->impl_->stub->EvaluateStream(&context_);
    writer_ = std::thread([this] { WriteLoop(); });
  }
  ~GrpcEvaluationStream() override {
    std::deque<Sent> unanswered;
    {
      absl::MutexLock lock(&mu_);
      unanswered.swap(sent_);
    }
    // The caller gave up with batches in flight: cancel the call, and log
    // them, since the peer may have answered (and logged) them already.
    (void)Close(/*cancel=*/!unanswered.empty());
    for (const Sent& sent : unanswered) {
      (void)LogExchange(client_->audit_, client_->impl_->self, client_->impl_->peer,
                        "match.evaluate.sent", purpose_, sent.digest, sent.count,
                        absl::CancelledError("abandoned after an earlier batch failed"),
                        "(stream)");
    }
  }

  absl::Status Send(absl::Span<const crypto::oprf::Element> blinded,
                    absl::Span<const match::keyspec::KeyType> key_types) override {
    ASSIGN_OR_RETURN(auto sealed,
                     client_->impl_->SealEvaluateRequest(purpose_, blinded, key_types));
    fedlink::v1::Signed message;
    message.set_envelope(std::move(sealed));
    absl::MutexLock lock(&mu_);
    sent_.push_back({federation::EnvelopeDigest(message.envelope()), blinded.size()});
    queue_.push_back(std::move(message));
    return absl::OkStatus();
  }

  absl::Status Receive(absl::Span<crypto::oprf::Element> out) override {
    Sent sent;
    {
      absl::MutexLock lock(&mu_);
      if (sent_.empty()) return absl::FailedPreconditionError("no batch was sent");
      sent = sent_.front();
      sent_.pop_front();
    }
    client_->last_digest_ = sent.digest;
    client_->last_peer_index_ = 0;
    absl::Status s;
    fedlink::v1::Signed answer;
    if (out.size() != sent.count) {
      s = absl::InvalidArgumentError("answer buffer does not fit the batch");
    } else if (!stream_->Read(&answer)) {
      s = FromGrpc(Close(/*cancel=*/false));
      if (s.ok()) s = absl::DataLossError("the stream ended before every batch was answered");
      s = client_->impl_->PeerError("evaluate", s);
    } else {
      s = client_->TakeAnswer(answer.envelope(), sent.digest, out);
    }
    const absl::Status logged =
        LogExchange(client_->audit_, client_->impl_->self, client_->impl_->peer,
                    "match.evaluate.sent", purpose_, sent.digest, sent.count, s,
                    absl::StrCat("peer log index ", client_->last_peer_index_, " (stream)"));
    return s.ok() ? logged : s;
  }

 private:
  struct Sent {
    std::string digest;
    size_t count = 0;
  };

  // Ends the call once: the writer drains its queue (or gives up on a
  // cancelled call) and half-closes, then the final status is read.
  grpc::Status Close(bool cancel) {
    if (closed_once_) return final_status_;
    closed_once_ = true;
    {
      absl::MutexLock lock(&mu_);
      closed_ = true;
    }
    if (cancel) context_.TryCancel();
    writer_.join();
    final_status_ = stream_->Finish();
    return final_status_;
  }

  void WriteLoop() {
    while (true) {
      fedlink::v1::Signed message;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](GrpcEvaluationStream* s) { return s->closed_ || !s->queue_.empty(); }, this));
        if (queue_.empty()) break;  // closed, and everything written
        message = std::move(queue_.front());
        queue_.pop_front();
      }
      if (!stream_->Write(message)) return;  // the call failed: Read reports why
    }
    stream_->WritesDone();
  }

  MatchClient* client_;
  std::string purpose_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<fedlink::v1::Signed, fedlink::v1::Signed>> stream_;
  std::thread writer_;
  absl::Mutex mu_;
  std::deque<fedlink::v1::Signed> queue_ ABSL_GUARDED_BY(mu_);
  std::deque<Sent> sent_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;  // no more batches: the writer half-closes
  bool closed_once_ = false;                  // Close ran (the reading thread's)
  grpc::Status final_status_;
};

absl::StatusOr<std::unique_ptr<EvaluationStream>> MatchClient::OpenEvaluation(
    absl::string_view purpose) {
  return std::make_unique<GrpcEvaluationStream>(this, purpose);
}

}  // namespace fedlink::private_match
