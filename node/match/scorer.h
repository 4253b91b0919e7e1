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
#include <string>
#include <vector>

#include "node/match/keyspec.h"

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

class Scorer {
 public:
  Scorer();  // catalogue defaults

  double m(keyspec::KeyType t) const { return m_[static_cast<int>(t)]; }
  double u(keyspec::KeyType t) const { return u_[static_cast<int>(t)]; }
  double Weight(keyspec::KeyType t) const;
  double Score(uint32_t pattern) const;

  // u from value frequencies: the chance that a random record of `a` and a
  // random record of `b` share a value of each key type (a and b may be the
  // same collection, for deduplication).
  void EstimateU(const std::vector<KeySet>& a, const std::vector<KeySet>& b);
  // Refines m (and the match prior) by EM over candidate-pair patterns,
  // holding u fixed.
  void RefineM(const std::vector<uint32_t>& patterns, int iterations = 25);

  double threshold = DefaultThreshold(1000);
  int min_agreeing_keys = keyspec::kDefaultMinAgreeingKeys;

  std::string Describe() const;  // one line per key type: m, u, weight
  // The EM estimate of the share of candidate pairs that are matches.
  double match_prior() const { return match_prior_; }

 private:
  std::array<double, keyspec::kKeyTypeCount> m_{};
  std::array<double, keyspec::kKeyTypeCount> u_{};
  double match_prior_ = 0;
};

}  // namespace fedlink::match

#endif  // FEDLINK_NODE_MATCH_SCORER_H_
