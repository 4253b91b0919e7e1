#include "node/app/clear_linkage.h"

#include "node/app/key_options.h"
#include "node/common/status_macros.h"

namespace fedlink::app {

std::vector<match::KeySet> DeriveAllKeys(const std::vector<record::Person>& persons,
                                         const std::string& region,
                                         match::keyspec::DropCounts* drops,
                                         match::keyspec::Version version) {
  std::vector<match::KeySet> out;
  out.reserve(persons.size());
  const match::keyspec::Options options{region, version};
  for (const record::Person& p : persons)
    out.push_back(match::keyspec::DeriveKeys(p, options, drops));
  return out;
}

std::vector<match::CandidatePair> ScoreCandidatePairs(
    const std::vector<match::KeySet>& a, const std::vector<match::KeySet>& b, match::Scorer& scorer,
    const std::function<void(size_t, size_t)>& progress, std::vector<match::CandidatePair>* all,
    const std::vector<match::LabelledPattern>& labelled) {
  scorer.EstimateU(a, b);
  match::LinkOptions options;
  options.progress = progress;
  std::vector<match::CandidatePair> candidates = match::FindCandidates(a, b, options);
  std::vector<uint32_t> patterns;
  patterns.reserve(candidates.size());
  for (const match::CandidatePair& c : candidates) patterns.push_back(c.pattern);
  scorer.RefineM(patterns);
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  scorer.FitPatterns(patterns, &a == &b ? na * (na - 1) / 2 : na * nb, labelled);
  if (all != nullptr) {
    *all = candidates;
    for (match::CandidatePair& c : *all) c.score = scorer.Score(c.pattern);
  }
  return match::ScoreAndFilter(std::move(candidates), scorer);
}

absl::StatusOr<DedupReport> FindDuplicates(Node& node, const DedupOptions& options) {
  ASSIGN_OR_RETURN(const std::vector<record::Person> persons, node.records().LoadAll());
  DedupReport report;
  report.records = persons.size();
  const std::vector<match::KeySet> keys = DeriveAllKeys(
      persons, node.config().default_region, &report.unusable, KeyOptions(node.config()).version);
  if (options.progress.on_keys) options.progress.on_keys(report.unusable);
  match::Scorer scorer;
  scorer.threshold =
      options.threshold >= 0 ? options.threshold : match::DefaultThreshold(persons.size());
  for (const match::CandidatePair& c :
       ScoreCandidatePairs(keys, keys, scorer, options.progress.on_linking)) {
    report.pairs.push_back({persons[c.a].external_id, persons[c.b].external_id, c.score,
                            match::keyspec::PatternNames(c.pattern)});
  }
  return report;
}

}  // namespace fedlink::app
