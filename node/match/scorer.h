// Fellegi-Sunter scoring of agreement patterns. A pattern is the set of key
// types on which two records agree (bit k = KeyType k). Each agreeing type
// has the weight log2(m_k / u_k); the score sums, over groups of correlated
// types (keyspec::KeyGroup), the best weight in each group, where
//   m_k = P(type k agrees | same person), refined by EM on candidate pairs,
//   u_k = P(type k agrees | different people), from key-value frequencies.
// Only agreements count: the private protocol reveals which keys agree, not
// which disagree, so clear and private scores are the same function.
//
// A pair is a match candidate when its score is at least `threshold` and at
// least `min_agreeing_keys` keys agree (the private protocol's t).
#ifndef FEDLINK_NODE_MATCH_SCORER_H_
#define FEDLINK_NODE_MATCH_SCORER_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "node/match/keyspec.h"
#include "node/match/pattern_model.h"

namespace fedlink::match {

using KeySet = std::vector<keyspec::Key>;

// The default decision threshold is relative to the number of records a
// record is matched against: with N candidates, a chance agreement worth
// log2(N) bits is expected, so a match needs kThresholdMargin bits beyond
// that (posterior odds of about 2^5 = 32 : 1 if the record has a match in
// the table). Tuned on FEBRL dataset3 and `fedlink gen` data at 3,000 and
// 100,000 records; see docs/linkage.md.
inline constexpr double kThresholdMargin = 5.0;
double DefaultThreshold(size_t table_size);

// How a fitted scorer scores a pattern: the independent per-key weights
// (best per group, summed), or the pattern model (pattern_model.h), which
// models the dependence between the keys of a group. Both are log2
// likelihood ratios against two random records, so one threshold serves.
// kHybrid (measured in `bench linkage`, docs/linkage.md): m from the pattern
// model (the dependence between a block's keys), u from value frequencies
// (the best, i.e. rarest, agreeing type of each key group, groups taken as
// independent): log2 P(x | match) - sum over groups of log2 min u.
enum class Scoring { kIndependent, kPatterns, kHybrid };

class Scorer {
 public:
  Scorer();  // catalogue defaults

  double m(keyspec::KeyType t) const { return m_[static_cast<int>(t)]; }
  double u(keyspec::KeyType t) const { return u_[static_cast<int>(t)]; }
  double Weight(keyspec::KeyType t) const;
  // With Scoring::kPatterns and a fitted pattern model, the model's score;
  // else IndependentScore.
  double Score(uint32_t pattern) const;
  double IndependentScore(uint32_t pattern) const;
  // Scoring::kHybrid's score (needs a fitted pattern model; else
  // IndependentScore).
  double HybridScore(uint32_t pattern) const;

  // u from value frequencies: the chance that a random record of `a` and a
  // random record of `b` share a value of each key type (a and b may be the
  // same collection, for deduplication).
  void EstimateU(const std::vector<KeySet>& a, const std::vector<KeySet>& b);
  // EstimateU(keys, keys) for deduplication from the counted collisions
  // (match::KeyCollisions, key_blocks.h) of `records` records.
  void EstimateDedupU(const std::array<double, keyspec::kKeyTypeCount>& collisions, size_t records);
  // Refines m (and the match prior) by EM over candidate-pair patterns,
  // holding u fixed.
  void RefineM(const std::vector<uint32_t>& patterns, int iterations = 25);
  void RefineM(const PatternHistogram& histogram, int iterations = 25);
  // Fits the pattern model (pattern_model.h) to the candidates' patterns,
  // starting from this scorer's decisions (call after EstimateU and
  // RefineM); `pairs_searched` as PatternModel::Fit. `labelled`: patterns a
  // person accepted or rejected (the review queue), with their class fixed.
  void FitPatterns(const std::vector<uint32_t>& patterns, double pairs_searched,
                   const std::vector<LabelledPattern>& labelled = {});
  void FitPatterns(const PatternHistogram& histogram, double pairs_searched,
                   const std::vector<LabelledPattern>& labelled = {});
  // Null until FitPatterns ran on at least one pattern.
  const PatternModel* pattern_model() const { return model_.get(); }

  Scoring scoring = Scoring::kIndependent;

  double threshold = DefaultThreshold(1000);
  int min_agreeing_keys = keyspec::kDefaultMinAgreeingKeys;

  std::string Describe() const;  // one line per key type: m, u, weight
  // The EM estimate of the share of candidate pairs that are matches.
  double match_prior() const { return match_prior_; }

 private:
  // u from collisions among `pairs` ordered pairs, floored at one chance in
  // `cross_pairs` (|a| x |b|).
  void SetU(const std::array<double, keyspec::kKeyTypeCount>& collisions, double pairs,
            double cross_pairs);

  std::array<double, keyspec::kKeyTypeCount> m_{};
  std::array<double, keyspec::kKeyTypeCount> u_{};
  double match_prior_ = 0;
  std::shared_ptr<const PatternModel> model_;  // shared by copies; immutable
};

}  // namespace fedlink::match

#endif  // FEDLINK_NODE_MATCH_SCORER_H_
