// Precision, recall and F1 of predicted pairs against true pairs.
#ifndef FEDLINK_NODE_MATCH_EVALUATION_H_
#define FEDLINK_NODE_MATCH_EVALUATION_H_

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace fedlink::match {

using IdPair = std::pair<std::string, std::string>;

struct Quality {
  size_t true_positives = 0;
  size_t predicted = 0;
  size_t truth = 0;
  double precision() const { return predicted ? double(true_positives) / predicted : 0; }
  double recall() const { return truth ? double(true_positives) / truth : 0; }
  double f1() const {
    const double p = precision(), r = recall();
    return p + r > 0 ? 2 * p * r / (p + r) : 0;
  }
  // "precision=P recall=R f1=F", the line scripts parse.
  std::string Line() const;
};

Quality Evaluate(const std::set<IdPair>& predicted, const std::set<IdPair>& truth);

// Reads a truth file: header id_a,id_b, then one pair per line.
absl::StatusOr<std::set<IdPair>> ReadTruth(const std::string& path);

}  // namespace fedlink::match

#endif  // FEDLINK_NODE_MATCH_EVALUATION_H_
