// A dependence-aware score over agreement patterns: a two-class latent
// model over whole patterns, fitted by EM on the candidate pairs (no labels
// needed), optionally anchored by pairs a person labelled (the review
// queue's decisions).
//
// Why not independent per-key weights: keys of one group are nested (two
// records whose sorted name words agree with the date also agree on the
// phonetic words with the date, the near date and the words alone). An EM
// that assumes each key agrees independently given the class explains that
// dependence with a latent class "these nested keys all agree", not "same
// person", and ends with their m at its cap (0.999). Here each key group is
// one categorical variable whose value is the exact subset of its key types
// that agree (dependence within a group is modelled in full); groups are
// taken as independent given the class, which is what t already assumes
// (each group is one independent piece of evidence, one Shamir share).
//
//   P(pattern | class) = prod over groups g of P(x_g | class),
//   x_g = the agreeing key types of group g (possibly none).
//
// The score is a log2 likelihood ratio against two *random* records, so it
// keeps the units of the independent scorer and of DefaultThreshold: the
// model's ratio against candidate non-matches plus the constant
//   log2(pairs searched / (candidates * (1 - match share))),
// the (log) chance that two different people share any key at all. A pair
// whose pattern agrees in fewer than t groups still never opens: that rule is
// the protocol's, not the score's.
//
// Only the pattern is used: exactly what the requester of a private match
// sees per revealed record (which of its key types hit the slot).
//
//   PatternModel m = PatternModel::Fit(patterns, pairs, is_match_at_start);
//   double bits = m.Score(pattern);
//
// Immutable after Fit; thread-safe to share.
#ifndef FEDLINK_NODE_MATCH_PATTERN_MODEL_H_
#define FEDLINK_NODE_MATCH_PATTERN_MODEL_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace fedlink::match {

// Candidate pairs counted by agreement pattern (pattern -> number of pairs).
using PatternHistogram = absl::flat_hash_map<uint32_t, double>;

// The counts of `patterns` (distinct patterns keep EM cheap: a few thousand
// for millions of pairs).
PatternHistogram CountPatterns(const std::vector<uint32_t>& patterns);

// A pattern a person judged: `match` true (accepted) or false (rejected).
struct LabelledPattern {
  uint32_t pattern = 0;
  bool match = false;
};

struct PatternModelOptions {
  int iterations = 60;
  double smoothing = 0.5;  // Dirichlet pseudo-count per category and class
  // Each labelled pattern counts this many times (a person's decision is
  // worth more than an unlabelled pair), with its class fixed.
  double label_weight = 20;
};

class PatternModel {
 public:
  using Options = PatternModelOptions;

  // Fits the model to the candidate pairs' patterns. `pairs_searched` is the
  // number of pairs the candidates were drawn from (|A| x |B|, or n(n-1)/2
  // for deduplication); `initial_match` gives EM's starting split (the
  // independent scorer's decision). `labelled` pairs enter with their class
  // fixed. An empty `patterns` gives an unfitted model (fitted() false).
  static PatternModel Fit(const std::vector<uint32_t>& patterns, double pairs_searched,
                          const std::function<bool(uint32_t)>& initial_match,
                          const std::vector<LabelledPattern>& labelled = {},
                          const Options& options = {});
  // The same from the patterns' counts (pattern -> number of pairs).
  static PatternModel Fit(const PatternHistogram& histogram, double pairs_searched,
                          const std::function<bool(uint32_t)>& initial_match,
                          const std::vector<LabelledPattern>& labelled = {},
                          const Options& options = {});

  bool fitted() const { return fitted_; }
  // log2 P(pattern | same person) / P(pattern | two random records).
  double Score(uint32_t pattern) const;
  // log2 P(pattern | same person): the sum over the model's blocks in which
  // some key agrees of log2 P(x | match) (a value never seen in fitting:
  // that of the largest seen value it contains). The hybrid score's m
  // (Scoring::kHybrid, scorer.h).
  double MatchLog2(uint32_t pattern) const;
  // The share of candidate pairs the model puts in the match class.
  double match_prior() const { return prior_; }
  // The constant added to the candidate-level ratio (see above), in bits.
  double offset_bits() const { return offset_; }
  // One line per group value seen: key types, P(x|match), P(x|non-match),
  // weight in bits.
  std::string Describe() const;

 private:
  struct Group {
    uint32_t mask = 0;
    absl::flat_hash_map<uint32_t, double> weight;  // x_g -> log2 ratio
    absl::flat_hash_map<uint32_t, std::pair<double, double>> probability;
  };
  double GroupWeight(const Group& g, uint32_t x) const;

  bool fitted_ = false;
  double prior_ = 0;
  double offset_ = 0;
  std::vector<Group> groups_;
};

}  // namespace fedlink::match

#endif  // FEDLINK_NODE_MATCH_PATTERN_MODEL_H_
