// The requester's side of the private match, as plain C++ (the gRPC client
// is one PeerTransport; tests use a Responder directly):
//   blind every query key -> the peer evaluates (charged to our budget) ->
//   finalise -> derive tags and masks -> look them up in the peer's table ->
//   reconstruct slots with at least t agreeing keys -> score the agreement
//   pattern with the keyspec scorer -> keep the best slot per query record.
// The peer sees only blinded points; we see only which of our keys hit
// which slot, and the payloads of slots that reached t.
#ifndef FEDLINK_NODE_PRIVATE_MATCH_REQUESTER_H_
#define FEDLINK_NODE_PRIVATE_MATCH_REQUESTER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crypto/oprf.h"
#include "node/match/scorer.h"
#include "node/private_match/bucket_lookup.h"
#include "node/private_match/paged_table.h"
#include "node/private_match/tag_table.h"

namespace fedlink::private_match {

// A pipelined blind evaluation: batches are sent ahead, and their answers
// received in order, so the peer evaluates one batch while we finalise the
// previous one.
class EvaluationStream {
 public:
  virtual ~EvaluationStream() = default;
  // `key_types[i]` is the key type of `blinded[i]`: the peer evaluates it
  // under that type's key (and charges it to that type's budget).
  virtual absl::Status Send(absl::Span<const crypto::oprf::Element> blinded,
                            absl::Span<const match::keyspec::KeyType> key_types) = 0;
  // The answer to the oldest batch not yet received, into `out` (its size).
  virtual absl::Status Receive(absl::Span<crypto::oprf::Element> out) = 0;
};

// One peer's match service, as the requester sees it.
class PeerTransport {
 public:
  virtual ~PeerTransport() = default;
  virtual absl::StatusOr<Table> FetchTable(absl::string_view purpose) = 0;
  // Blind evaluation of `blinded`, each under the key of its key type in
  // `key_types`, into `out` (all the same size).
  virtual absl::Status Evaluate(absl::string_view purpose,
                                absl::Span<const crypto::oprf::Element> blinded,
                                absl::Span<const match::keyspec::KeyType> key_types,
                                absl::Span<crypto::oprf::Element> out) = 0;
  // A pipelined evaluation for `purpose`. The default runs each batch
  // through Evaluate when its answer is asked for (no pipelining).
  virtual absl::StatusOr<std::unique_ptr<EvaluationStream>> OpenEvaluation(
      absl::string_view purpose);
  // The buckets of the peer's table with the given `prefixes` of
  // `prefix_bits` bits (bucket_lookup.h); prefix_bits 0 and no prefixes:
  // the table's header and the prefix length it is served in. The default:
  // Unimplemented (the transport has none).
  virtual absl::StatusOr<Buckets> FetchBuckets(absl::string_view purpose, int prefix_bits,
                                               absl::Span<const uint32_t> prefixes);
};

// The most blinded elements one evaluation request may carry: the responder
// refuses more (RESOURCE_EXHAUSTED), and Match never sends more per batch.
inline constexpr size_t kMaxEvaluateElements = 65'536;

struct MatchOptions {
  double threshold = -1;  // bits; < 0: DefaultThreshold(table slots)
  size_t batch = 8192;    // elements per Evaluate call (at most kMaxEvaluateElements)
  int threads = 0;        // blinding and finalising (0 = all cores)
  // u estimated from the requester's own records (OwnRecordsScorer), shared
  // by every peer of a run; if null, it is estimated from the queries.
  const match::Scorer* scorer = nullptr;
  std::function<void(size_t done, size_t total)> progress;
  // Bits below the threshold from which a query's best revealed record is
  // returned as borderline (PeerMatch::borderline, for a person to review)
  // instead of dropped; 0: none.
  double review_margin = 0;
  // Patterns a person accepted or rejected before: they anchor the pattern
  // model's fit (match::PatternModel).
  std::vector<match::LabelledPattern> labelled;
  match::Scoring scoring = match::Scoring::kIndependent;
};

struct MatchHit {
  size_t query = 0;  // index into the queries
  std::string handle;
  std::string role;     // empty unless the peer's policy reveals it
  std::string officer;  // empty unless the peer's policy reveals it
  double score = 0;
  uint32_t pattern = 0;  // agreeing key types (ours)
  int agreeing_keys = 0;
};

struct PeerMatch {
  std::vector<MatchHit> hits;  // best slot per query record, by query
  // Queries whose best slot scored within MatchOptions::review_margin below
  // the threshold (not in `hits`), by query.
  std::vector<MatchHit> borderline;
  size_t table_slots = 0;
  size_t evaluations = 0;  // elements the peer evaluated for us
  size_t slots_hit = 0;    // (query, slot) pairs with any tag hit
  size_t below_t = 0;      // of those, pairs that stayed closed (< t keys)
  double threshold = 0;
};

// A scorer whose u comes from the requester's own records, counting people,
// not records (own duplicates collapsed as `fedlink dedup` finds them); the
// keyspec defaults when there are too few records for a frequency estimate
// (a single intake).
match::Scorer OwnRecordsScorer(const std::vector<match::KeySet>& own, int threads = 0);

// Matches `queries` (each a record's keyspec keys) against the peer's table.
absl::StatusOr<PeerMatch> MatchAgainst(const TableIndex& table, PeerTransport& peer,
                                       absl::string_view purpose,
                                       const std::vector<match::KeySet>& queries,
                                       const MatchOptions& options);

// The same against a table left on disk (the requester's cache): each
// chunk of queries reads only the pages its tags and the slots they hit are
// on. Finds exactly what MatchAgainst finds against the table in memory.
absl::StatusOr<PeerMatch> MatchAgainst(const PagedTable& table, PeerTransport& peer,
                                       absl::string_view purpose,
                                       const std::vector<match::KeySet>& queries,
                                       const MatchOptions& options);

// The same match without the whole table (bucket_lookup.h): every query
// key is blindly evaluated (one request, at most kMaxEvaluateElements keys),
// then only the buckets of their tags' prefixes are fetched, of the length
// `probe` (the peer's answer to FetchBuckets(purpose, 0, {})) names. The
// result is the one MatchAgainst gives against the whole table; the
// threshold's default counts the whole table's slots. `fetched`, if not
// null, gets the bucket answer's header and counts (its slots dropped).
absl::StatusOr<PeerMatch> MatchByBuckets(const Buckets& probe, PeerTransport& peer,
                                         absl::string_view purpose,
                                         const std::vector<match::KeySet>& queries,
                                         const MatchOptions& options, Buckets* fetched = nullptr);

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_REQUESTER_H_
