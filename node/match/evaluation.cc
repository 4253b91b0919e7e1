#include "node/match/evaluation.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace fedlink::match {

std::string Quality::Line() const {
  return absl::StrFormat("precision=%.4f recall=%.4f f1=%.4f", precision(), recall(), f1());
}

Quality Evaluate(const std::set<IdPair>& predicted, const std::set<IdPair>& truth) {
  Quality q;
  q.predicted = predicted.size();
  q.truth = truth.size();
  for (const IdPair& p : predicted) q.true_positives += truth.count(p);
  return q;
}

absl::StatusOr<std::set<IdPair>> ReadTruth(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open truth file"));
  std::set<IdPair> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    absl::string_view l = absl::StripTrailingAsciiWhitespace(line);
    if (l.empty()) continue;
    std::vector<std::string> f = absl::StrSplit(l, ',');
    if (number == 1 && f.size() == 2 && f[0] == "id_a" && f[1] == "id_b") continue;
    if (f.size() != 2 || f[0].empty() || f[1].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", number, ": expected id_a,id_b"));
    }
    out.emplace(f[0], f[1]);
  }
  return out;
}

}  // namespace fedlink::match
