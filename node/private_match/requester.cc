#include "node/private_match/requester.h"

#include <sodium.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "fedlink/v1/match.pb.h"
#include "node/match/linker.h"

namespace fedlink::private_match {
namespace {
constexpr size_t kMinEstimationSample = 50;
}  // namespace

Scorer OwnRecordsScorer(const std::vector<KeySet>& own, int threads) {
  Scorer scorer;
  if (own.size() >= kMinEstimationSample) {
    std::vector<KeySet> people;
    for (size_t i : OnePerPerson(own, threads)) people.push_back(own[i]);
    scorer.EstimateU(people, people);
  }
  return scorer;
}

absl::StatusOr<PeerMatch> MatchAgainst(const TableIndex& table,
                                       PeerTransport& peer,
                                       absl::string_view purpose,
                                       const std::vector<KeySet>& queries,
                                       const MatchOptions& options) {
  PeerMatch result;
  result.table_slots = table.slot_count();
  if (result.table_slots == 0) {
    // Nothing can match (the peer shares nothing with us for this purpose):
    // send nothing, spend no budget.
    result.threshold = options.threshold;
    return result;
  }
  size_t total_keys = 0;
  for (const KeySet& q : queries) total_keys += q.size();
  result.evaluations = total_keys;

  // Queries go in chunks of about `batch` keys: blind, evaluate, finalise
  // and look up one chunk at a time, so memory stays bounded.
  std::vector<std::vector<Reveal>> reveals(queries.size());
  std::vector<uint32_t> hit_patterns;
  const size_t batch = std::max<size_t>(1, options.batch);
  std::vector<std::string> inputs;
  std::vector<oprf::BlindedInput> blinded;
  std::vector<oprf::Element> elements, evaluated;
  std::vector<oprf::Output> outputs;
  size_t done = 0;
  for (size_t q0 = 0; q0 < queries.size();) {
    size_t q1 = q0;
    inputs.clear();
    while (q1 < queries.size() &&
           (inputs.empty() || inputs.size() + queries[q1].size() <= batch)) {
      for (const keyspec::Key& k : queries[q1]) inputs.push_back(k.bytes);
      ++q1;
    }
    const size_t n = inputs.size();
    blinded.resize(n);
    elements.resize(n);
    evaluated.resize(n);
    outputs.resize(n);
    if (n > 0) {
      if (auto s = oprf::BlindBatch(inputs, absl::MakeSpan(blinded),
                                    options.threads);
          !s.ok()) {
        return s;
      }
      for (size_t i = 0; i < n; ++i) elements[i] = blinded[i].element;
      if (auto s = peer.Evaluate(purpose, elements, absl::MakeSpan(evaluated));
          !s.ok()) {
        return s;
      }
      // FinalizeBatch validates every element the peer sent back.
      auto finalized =
          oprf::FinalizeBatch(inputs, blinded, evaluated,
                              absl::MakeSpan(outputs), options.threads);
      for (auto& b : blinded) sodium_memzero(b.blind.data(), b.blind.size());
      if (!finalized.ok()) {
        return absl::DataLossError(absl::StrCat(
            "peer's evaluation is invalid: ", finalized.message()));
      }
    }
    // Look the chunk's queries up in parallel (the index is read-only).
    std::vector<size_t> offset(q1 - q0 + 1, 0);
    for (size_t q = q0; q < q1; ++q) offset[q - q0 + 1] = offset[q - q0] + queries[q].size();
    absl::Mutex mu;
    (void)oprf::ParallelFor(q1 - q0, options.threads, [&](size_t b, size_t e) {
      std::vector<uint32_t> local;
      size_t hit = 0, closed = 0;
      for (size_t i = b; i < e; ++i) {
        const size_t q = q0 + i, before = local.size();
        reveals[q] = MatchRecord(
            table, absl::MakeConstSpan(queries[q]),
            absl::MakeConstSpan(outputs).subspan(offset[i], queries[q].size()), &local);
        hit += local.size() - before;
        closed += local.size() - before - reveals[q].size();
      }
      absl::MutexLock lock(&mu);
      hit_patterns.insert(hit_patterns.end(), local.begin(), local.end());
      result.slots_hit += hit;
      result.below_t += closed;
      return absl::OkStatus();
    });
    done += n;
    if (options.progress) options.progress(done, total_keys);
    q0 = q1;
  }

  // The same scorer as the clear baseline: u from our own value
  // frequencies, m by EM over the hit patterns (the candidate pairs); too
  // few candidates for EM to mean anything keep the keyspec's m.
  Scorer scorer = options.scorer ? *options.scorer : OwnRecordsScorer(queries, options.threads);
  if (hit_patterns.size() >= kMinEstimationSample) scorer.RefineM(hit_patterns);
  scorer.min_agreeing_keys = table.t();
  // The owner's policy may ask for a higher score than ours.
  result.threshold = std::max(options.threshold >= 0
                                  ? options.threshold
                                  : DefaultThreshold(result.table_slots),
                              table.min_score());

  for (size_t q = 0; q < queries.size(); ++q) {
    const Reveal* best = nullptr;
    double best_score = 0;
    for (const Reveal& r : reveals[q]) {
      const double score = scorer.Score(r.pattern);
      if (score < result.threshold) continue;
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
    result.hits.push_back({q, payload.handle(), payload.role(),
                           payload.officer(), best_score, best->pattern,
                           best->agreeing_keys});
  }
  return result;
}

}  // namespace fedlink::private_match
