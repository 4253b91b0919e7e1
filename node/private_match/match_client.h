// The requester's client of a peer's Match service over roster-pinned
// mutual TLS: fetches and checks the peer's tag table (every chunk signed by
// the peer and naming our request, contiguous, one table id of the current
// epoch, within the size limits) and asks for blind evaluations.
// Narrow header: no grpcpp.
#ifndef FEDLINK_NODE_PRIVATE_MATCH_MATCH_CLIENT_H_
#define FEDLINK_NODE_PRIVATE_MATCH_MATCH_CLIENT_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "node/audit/audit_log.h"
#include "node/federation/peer_client.h"
#include "node/private_match/requester.h"
#include "node/private_match/table_delta.h"

namespace fedlink::private_match {

struct TableLimits {
  size_t max_slots = 10'000'000;
  size_t max_bytes = size_t{2} << 30;
};

class MatchClient final : public PeerTransport {
 public:
  MatchClient(const federation::Self& self, federation::Member peer, TableLimits limits = {});
  ~MatchClient() override;

  absl::StatusOr<Table> FetchTable(absl::string_view purpose) override;
  // The table, or only what changed since `held` (may be null) when the
  // peer can send a delta; apply it with ApplyUpdate.
  absl::StatusOr<TableUpdate> FetchUpdate(absl::string_view purpose, const Table* held);
  absl::Status Evaluate(absl::string_view purpose, absl::Span<const crypto::oprf::Element> blinded,
                        absl::Span<const match::keyspec::KeyType> key_types,
                        absl::Span<crypto::oprf::Element> out) override;
  // The pipelined form over the EvaluateStream RPC: batches are signed and
  // written by a writer thread while answers are read, checked and logged
  // as they come. One stream at a time per client.
  absl::StatusOr<std::unique_ptr<EvaluationStream>> OpenEvaluation(
      absl::string_view purpose) override;
  // Buckets of the peer's table (bucket_lookup.h), checked (signed, naming
  // our request, of the current epoch, the prefix length asked for) and
  // logged as "match.buckets.fetched".
  absl::StatusOr<Buckets> FetchBuckets(absl::string_view purpose, int prefix_bits,
                                       absl::Span<const uint32_t> prefixes) override;
  // Bytes of the last unary Evaluate or FetchBuckets (request and answer,
  // as serialised; for benchmarks).
  size_t last_wire_bytes() const { return last_wire_bytes_; }
  // What the peer reported after the last Evaluate.
  uint64_t budget_remaining() const { return budget_remaining_; }
  // The table the evaluations are for (set by FetchTable; call it for a
  // cached table). Evaluate fails with a StaleTableError (stale_table.h) if
  // the peer has re-keyed since.
  void ExpectTable(std::string table_id) { expected_table_id_ = std::move(table_id); }
  // Logs every exchange with the peer (request and answer digests, counts,
  // outcome, the peer's log index) in `audit`, which must outlive this.
  void set_audit(audit::AuditLog* audit) { audit_ = audit; }

  absl::Duration table_deadline = absl::Minutes(5);
  absl::Duration evaluate_deadline = absl::Minutes(1);
  absl::Duration stream_deadline = absl::Hours(2);  // a whole EvaluateStream

  struct Impl;

 private:
  friend class GrpcEvaluationStream;
  // Checks a signed answer to the request with digest `digest` of `n`
  // elements, and copies the evaluations into `out`.
  absl::Status TakeAnswer(absl::string_view answer_envelope, absl::string_view digest,
                          absl::Span<crypto::oprf::Element> out);
  absl::StatusOr<TableUpdate> FetchUpdateUnlogged(absl::string_view purpose, const Table* held);
  absl::StatusOr<Buckets> FetchBucketsUnlogged(absl::string_view purpose, int prefix_bits,
                                               absl::Span<const uint32_t> prefixes);
  absl::Status EvaluateUnlogged(absl::string_view purpose,
                                absl::Span<const crypto::oprf::Element> blinded,
                                absl::Span<const match::keyspec::KeyType> key_types,
                                absl::Span<crypto::oprf::Element> out);
  std::unique_ptr<Impl> impl_;
  std::string last_digest_;  // of the last request sent
  uint64_t last_peer_index_ = 0;
  TableLimits limits_;
  uint64_t budget_remaining_ = 0;
  size_t last_wire_bytes_ = 0;
  std::string expected_table_id_;
  audit::AuditLog* audit_ = nullptr;
};

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_MATCH_CLIENT_H_
