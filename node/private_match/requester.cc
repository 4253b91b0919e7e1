#include "node/private_match/requester.h"

#include <sodium.h>

#include <algorithm>
#include <deque>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "fedlink/v1/match.pb.h"
#include "node/common/status_macros.h"
#include "node/match/linker.h"
#include "node/private_match/stale_table.h"

namespace fedlink::private_match {
namespace {
constexpr size_t kMinEstimationSample = 50;

// PeerTransport's default stream: each batch evaluated when received.
class UnaryEvaluationStream final : public EvaluationStream {
 public:
  UnaryEvaluationStream(PeerTransport* peer, absl::string_view purpose)
      : peer_(peer), purpose_(purpose) {}
  absl::Status Send(absl::Span<const crypto::oprf::Element> blinded,
                    absl::Span<const match::keyspec::KeyType> key_types) override {
    pending_.push_back({{blinded.begin(), blinded.end()}, {key_types.begin(), key_types.end()}});
    return absl::OkStatus();
  }
  absl::Status Receive(absl::Span<crypto::oprf::Element> out) override {
    if (pending_.empty()) return absl::FailedPreconditionError("no batch was sent");
    Batch batch = std::move(pending_.front());
    pending_.pop_front();
    if (batch.blinded.size() != out.size()) return absl::InvalidArgumentError("answer size");
    return peer_->Evaluate(purpose_, batch.blinded, batch.key_types, out);
  }

 private:
  struct Batch {
    std::vector<crypto::oprf::Element> blinded;
    std::vector<match::keyspec::KeyType> key_types;
  };
  PeerTransport* peer_;
  std::string purpose_;
  std::deque<Batch> pending_;
};

// One chunk of queries on its way through blind -> evaluate -> finalise.
struct Chunk {
  size_t q0 = 0, q1 = 0;  // the queries [q0, q1)
  std::vector<std::string> inputs;
  std::vector<match::keyspec::KeyType> key_types;  // of each input
  std::vector<crypto::oprf::BlindedInput> blinded;
  std::vector<crypto::oprf::Element> elements;
  ~Chunk() { Wipe(); }
  void Wipe() {
    for (auto& b : blinded) sodium_memzero(b.blind.data(), b.blind.size());
  }
};

}  // namespace

absl::StatusOr<Buckets> PeerTransport::FetchBuckets(absl::string_view, int,
                                                    absl::Span<const uint32_t>) {
  return absl::UnimplementedError("this transport has no bucket lookups");
}

absl::StatusOr<std::unique_ptr<EvaluationStream>> PeerTransport::OpenEvaluation(
    absl::string_view purpose) {
  return std::make_unique<UnaryEvaluationStream>(this, purpose);
}

match::Scorer OwnRecordsScorer(const std::vector<match::KeySet>& own, int threads) {
  match::Scorer scorer;
  if (own.size() >= kMinEstimationSample) {
    std::vector<match::KeySet> people;
    for (size_t i : match::OnePerPerson(own, threads)) people.push_back(own[i]);
    scorer.EstimateU(people, people);
  }
  return scorer;
}

namespace {

// Scores each query's reveals as the clear baseline does and keeps the best
// above the threshold (shared by both ways of matching).
absl::Status ScoreReveals(const std::vector<std::vector<Reveal>>& reveals,
                          const std::vector<uint32_t>& hit_patterns, int t, double min_score,
                          const std::vector<match::KeySet>& queries, const MatchOptions& options,
                          PeerMatch* result) {
  // The same scorer as the clear baseline: u from our own value
  // frequencies, m by EM over the hit patterns (the candidate pairs); too
  // few candidates for EM to mean anything keep the keyspec's m.
  match::Scorer scorer =
      options.scorer ? *options.scorer : OwnRecordsScorer(queries, options.threads);
  scorer.min_agreeing_keys = t;
  scorer.scoring = options.scoring;
  // The owner's policy may ask for a higher score than ours.
  result->threshold = std::max(
      options.threshold >= 0 ? options.threshold : match::DefaultThreshold(result->table_slots),
      min_score);
  if (hit_patterns.size() >= kMinEstimationSample) {
    const match::PatternHistogram histogram = match::CountPatterns(hit_patterns);
    scorer.RefineM(histogram);
    // The pattern model (dependence within key groups), started from the
    // independent scorer's decisions at this threshold.
    scorer.threshold = result->threshold;
    scorer.FitPatterns(
        histogram, static_cast<double>(queries.size()) * static_cast<double>(result->table_slots),
        options.labelled);
  }
  const double review_from = result->threshold - std::max(0.0, options.review_margin);

  for (size_t q = 0; q < queries.size(); ++q) {
    const Reveal* best = nullptr;
    double best_score = 0;
    for (const Reveal& r : reveals[q]) {
      const double score = scorer.Score(r.pattern);
      if (score < review_from) continue;
      if (best == nullptr || score > best_score) {
        best = &r;
        best_score = score;
      }
    }
    if (best == nullptr) continue;
    fedlink::v1::MatchPayload payload;
    if (!payload.ParseFromString(best->payload) || payload.handle().empty()) {
      return absl::DataLossError(
          absl::StrCat("table slot ", best->slot, " has a malformed payload"));
    }
    MatchHit hit{q,          payload.handle(), payload.role(),     payload.officer(),
                 best_score, best->pattern,    best->agreeing_keys};
    (best_score >= result->threshold ? result->hits : result->borderline).push_back(std::move(hit));
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

// Looks up the finalised `outputs` of queries [q0, q1) in `table`, in
// parallel (the index is read-only).
void LookupChunk(const TableIndex& table, const std::vector<match::KeySet>& queries, size_t q0,
                 size_t q1, absl::Span<const crypto::oprf::Output> outputs, int threads,
                 std::vector<std::vector<Reveal>>& reveals, std::vector<uint32_t>& hit_patterns,
                 PeerMatch& result) {
  std::vector<size_t> offset(q1 - q0 + 1, 0);
  for (size_t q = q0; q < q1; ++q) offset[q - q0 + 1] = offset[q - q0] + queries[q].size();
  absl::Mutex mu;
  (void)crypto::oprf::ParallelFor(q1 - q0, threads, [&](size_t b, size_t e) {
    std::vector<uint32_t> local;
    size_t hit = 0, closed = 0;
    for (size_t i = b; i < e; ++i) {
      const size_t q = q0 + i, before = local.size();
      reveals[q] = MatchRecord(table, absl::MakeConstSpan(queries[q]),
                               outputs.subspan(offset[i], queries[q].size()), &local);
      hit += local.size() - before;
      closed += local.size() - before - reveals[q].size();
    }
    absl::MutexLock lock(&mu);
    hit_patterns.insert(hit_patterns.end(), local.begin(), local.end());
    result.slots_hit += hit;
    result.below_t += closed;
    return absl::OkStatus();
  });
}

// The chunked, pipelined match; `lookup_chunk(q0, q1, outputs)` looks the
// finalised outputs of queries [q0, q1) up in the table (LookupChunk).
absl::StatusOr<PeerMatch> MatchChunked(
    size_t table_slots, int t, double min_score, PeerTransport& peer, absl::string_view purpose,
    const std::vector<match::KeySet>& queries, const MatchOptions& options,
    std::vector<std::vector<Reveal>>& reveals, std::vector<uint32_t>& hit_patterns,
    PeerMatch& result,
    absl::FunctionRef<absl::Status(size_t, size_t, absl::Span<const crypto::oprf::Output>)>
        lookup_chunk) {
  result.table_slots = table_slots;
  if (result.table_slots == 0) {
    // Nothing can match (the peer shares nothing with us for this purpose):
    // send nothing, spend no budget.
    result.threshold = options.threshold;
    return result;
  }
  size_t total_keys = 0;
  for (const match::KeySet& q : queries) total_keys += q.size();
  result.evaluations = total_keys;

  // Queries go in chunks of about `batch` keys, pipelined: the next chunk is
  // blinded and sent before this one's answer is finalised and looked up,
  // so the peer evaluates while we work, and memory stays bounded.
  reveals.resize(queries.size());
  const size_t batch = std::clamp<size_t>(options.batch, 1, kMaxEvaluateElements);
  // One batch (a lookup) gains nothing from a stream: a single call is
  // quicker to set up.
  ASSIGN_OR_RETURN(std::unique_ptr<EvaluationStream> stream,
                   total_keys <= batch ? std::make_unique<UnaryEvaluationStream>(&peer, purpose)
                                       : peer.OpenEvaluation(purpose));
  size_t next_query = 0;
  // Blinds and sends the next chunk (none when the queries are used up).
  const auto start_chunk = [&](Chunk* c) -> absl::Status {
    c->Wipe();
    c->q0 = c->q1 = next_query;
    c->inputs.clear();
    c->key_types.clear();
    while (c->q1 < queries.size() &&
           (c->inputs.empty() || c->inputs.size() + queries[c->q1].size() <= batch)) {
      for (const match::keyspec::Key& k : queries[c->q1]) {
        c->inputs.push_back(k.bytes);
        c->key_types.push_back(k.type);
      }
      ++c->q1;
    }
    next_query = c->q1;
    const size_t n = c->inputs.size();
    c->blinded.resize(n);
    c->elements.resize(n);
    if (n == 0) return absl::OkStatus();
    RETURN_IF_ERROR(
        crypto::oprf::BlindBatch(c->inputs, absl::MakeSpan(c->blinded), options.threads));
    for (size_t i = 0; i < n; ++i) c->elements[i] = c->blinded[i].element;
    return stream->Send(c->elements, c->key_types);
  };
  std::vector<crypto::oprf::Element> evaluated;
  std::vector<crypto::oprf::Output> outputs;
  size_t done = 0;
  Chunk chunks[2];
  Chunk* current = &chunks[0];
  Chunk* ahead = &chunks[1];
  RETURN_IF_ERROR(start_chunk(current));
  bool first = true;
  while (current->q0 < queries.size()) {
    const size_t n = current->inputs.size();
    const size_t q0 = current->q0, q1 = current->q1;
    evaluated.resize(n);
    outputs.resize(n);
    // The first answer is awaited before more is sent: it tells whether our
    // cached table is still the peer's (else the batches would be wasted).
    if (!first) {
      RETURN_IF_ERROR(start_chunk(ahead));
    }
    if (n > 0) {
      RETURN_IF_ERROR(stream->Receive(absl::MakeSpan(evaluated)));
    }
    if (first) {
      RETURN_IF_ERROR(start_chunk(ahead));
      first = false;
    }
    if (n > 0) {
      // FinalizeBatch validates every element the peer sent back.
      auto finalized = crypto::oprf::FinalizeBatch(current->inputs, current->blinded, evaluated,
                                                   absl::MakeSpan(outputs), options.threads);
      current->Wipe();
      if (!finalized.ok()) {
        return absl::DataLossError(
            absl::StrCat("peer's evaluation is invalid: ", finalized.message()));
      }
    }
    RETURN_IF_ERROR(lookup_chunk(q0, q1, absl::MakeConstSpan(outputs)));
    done += n;
    if (options.progress) options.progress(done, total_keys);
    std::swap(current, ahead);
  }

  RETURN_IF_ERROR(ScoreReveals(reveals, hit_patterns, t, min_score, queries, options, &result));
  return result;
}

}  // namespace

absl::StatusOr<PeerMatch> MatchAgainst(const TableIndex& table, PeerTransport& peer,
                                       absl::string_view purpose,
                                       const std::vector<match::KeySet>& queries,
                                       const MatchOptions& options) {
  PeerMatch result;
  std::vector<std::vector<Reveal>> reveals;
  std::vector<uint32_t> hit_patterns;
  return MatchChunked(table.slot_count(), table.t(), table.min_score(), peer, purpose, queries,
                      options, reveals, hit_patterns, result,
                      [&](size_t q0, size_t q1, absl::Span<const crypto::oprf::Output> outputs) {
                        LookupChunk(table, queries, q0, q1, outputs, options.threads, reveals,
                                    hit_patterns, result);
                        return absl::OkStatus();
                      });
}

absl::StatusOr<PeerMatch> MatchAgainst(const PagedTable& table, PeerTransport& peer,
                                       absl::string_view purpose,
                                       const std::vector<match::KeySet>& queries,
                                       const MatchOptions& options) {
  PeerMatch result;
  std::vector<std::vector<Reveal>> reveals;
  std::vector<uint32_t> hit_patterns;
  const PagedHeader& h = table.header();
  return MatchChunked(
      h.slots, h.t, h.min_score, peer, purpose, queries, options, reveals, hit_patterns, result,
      [&](size_t q0, size_t q1, absl::Span<const crypto::oprf::Output> outputs) -> absl::Status {
        // Only the slots the chunk's tags hit are read (a few pages per tag).
        std::vector<uint64_t> tags(outputs.size());
        for (size_t i = 0; i < outputs.size(); ++i) tags[i] = DeriveTagMask(outputs[i]).tag;
        ASSIGN_OR_RETURN(Table slice, table.Slice(tags));
        ASSIGN_OR_RETURN(const TableIndex index, TableIndex::Build(std::move(slice)));
        LookupChunk(index, queries, q0, q1, outputs, options.threads, reveals, hit_patterns,
                    result);
        return absl::OkStatus();
      });
}

absl::StatusOr<PeerMatch> MatchByBuckets(const Buckets& probe, PeerTransport& peer,
                                         absl::string_view purpose,
                                         const std::vector<match::KeySet>& queries,
                                         const MatchOptions& options, Buckets* fetched) {
  PeerMatch result;
  result.table_slots = probe.total_slots;
  if (result.table_slots == 0) {
    result.threshold = options.threshold;
    return result;
  }
  Chunk c;
  for (const match::KeySet& q : queries) {
    for (const match::keyspec::Key& k : q) {
      c.inputs.push_back(k.bytes);
      c.key_types.push_back(k.type);
    }
  }
  const size_t n = c.inputs.size();
  if (n > kMaxEvaluateElements) {
    return absl::InvalidArgumentError(
        absl::StrCat("a bucket lookup takes at most ", kMaxEvaluateElements, " keys, not ", n));
  }
  result.evaluations = n;
  std::vector<crypto::oprf::Output> outputs(n);
  if (n > 0) {
    c.blinded.resize(n);
    c.elements.resize(n);
    RETURN_IF_ERROR(crypto::oprf::BlindBatch(c.inputs, absl::MakeSpan(c.blinded), options.threads));
    for (size_t i = 0; i < n; ++i) c.elements[i] = c.blinded[i].element;
    std::vector<crypto::oprf::Element> evaluated(n);
    RETURN_IF_ERROR(peer.Evaluate(purpose, c.elements, c.key_types, absl::MakeSpan(evaluated)));
    auto finalized = crypto::oprf::FinalizeBatch(c.inputs, c.blinded, evaluated,
                                                 absl::MakeSpan(outputs), options.threads);
    c.Wipe();
    if (!finalized.ok()) {
      return absl::DataLossError(
          absl::StrCat("peer's evaluation is invalid: ", finalized.message()));
    }
  }
  std::vector<uint64_t> tags(n);
  for (size_t i = 0; i < n; ++i) tags[i] = DeriveTagMask(outputs[i]).tag;
  const std::vector<uint32_t> prefixes = PrefixesOf(tags, probe.prefix_bits);
  if (prefixes.size() > kMaxBucketPrefixes) {
    return absl::InvalidArgumentError(absl::StrCat("a bucket lookup asks for at most ",
                                                   kMaxBucketPrefixes, " buckets, not ",
                                                   prefixes.size()));
  }
  ASSIGN_OR_RETURN(Buckets buckets, peer.FetchBuckets(purpose, probe.prefix_bits, prefixes));
  if (buckets.table.table_id != probe.table.table_id) {
    return StaleTableError(absl::StrCat("buckets of table '", buckets.table.table_id,
                                        "', expected '", probe.table.table_id, "'"));
  }
  ASSIGN_OR_RETURN(const TableIndex index, TableIndex::Build(buckets.table));
  if (fetched != nullptr) *fetched = std::move(buckets);
  std::vector<std::vector<Reveal>> reveals(queries.size());
  std::vector<uint32_t> hit_patterns;
  size_t offset = 0;
  for (size_t q = 0; q < queries.size(); ++q) {
    const size_t before = hit_patterns.size();
    reveals[q] =
        MatchRecord(index, absl::MakeConstSpan(queries[q]),
                    absl::MakeConstSpan(outputs).subspan(offset, queries[q].size()), &hit_patterns);
    offset += queries[q].size();
    result.slots_hit += hit_patterns.size() - before;
    result.below_t += hit_patterns.size() - before - reveals[q].size();
  }
  if (options.progress) options.progress(n, n);
  RETURN_IF_ERROR(
      ScoreReveals(reveals, hit_patterns, index.t(), index.min_score(), queries, options, &result));
  return result;
}

}  // namespace fedlink::private_match
