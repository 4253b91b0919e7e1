#include "node/app/clear_linkage.h"

#include "node/common/status_macros.h"

namespace fedlink::app {

std::vector<KeySet> DeriveAllKeys(const std::vector<Person>& persons,
                                  const std::string& region,
                                  keyspec::DropCounts* drops) {
  std::vector<KeySet> out;
  out.reserve(persons.size());
  const keyspec::Options options{region};
  for (const Person& p : persons)
    out.push_back(keyspec::DeriveKeys(p, options, drops));
  return out;
}

std::vector<CandidatePair> ScoreCandidatePairs(
    const std::vector<KeySet>& a, const std::vector<KeySet>& b, Scorer& scorer,
    const std::function<void(size_t, size_t)>& progress) {
  scorer.EstimateU(a, b);
  LinkOptions options;
  options.progress = progress;
  std::vector<CandidatePair> candidates = FindCandidates(a, b, options);
  std::vector<uint32_t> patterns;
  patterns.reserve(candidates.size());
  for (const CandidatePair& c : candidates) patterns.push_back(c.pattern);
  scorer.RefineM(patterns);
  return ScoreAndFilter(std::move(candidates), scorer);
}

absl::StatusOr<DedupReport> FindDuplicates(Node& node,
                                           const DedupOptions& options) {
  ASSIGN_OR_RETURN(const std::vector<Person> persons, node.records().LoadAll());
  DedupReport report;
  report.records = persons.size();
  const std::vector<KeySet> keys =
      DeriveAllKeys(persons, node.config().default_region, &report.unusable);
  if (options.progress.on_keys) options.progress.on_keys(report.unusable);
  Scorer scorer;
  scorer.threshold = options.threshold >= 0 ? options.threshold
                                            : DefaultThreshold(persons.size());
  for (const CandidatePair& c :
       ScoreCandidatePairs(keys, keys, scorer, options.progress.on_linking)) {
    report.pairs.push_back({persons[c.a].external_id, persons[c.b].external_id,
                            c.score, keyspec::PatternNames(c.pattern)});
  }
  return report;
}

}  // namespace fedlink::app
