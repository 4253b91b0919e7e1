#include "node/app/linkage_quality.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "node/app/node.h"
#include "node/app/own_keys.h"
#include "node/common/status_macros.h"

namespace fedlink::app {
namespace {

PairDiagnosis Diagnose(const match::IdPair& pair, const match::KeySet& a, const match::KeySet& b,
                       const match::Scorer& scorer) {
  PairDiagnosis d;
  d.pair = pair;
  uint32_t pattern = 0;
  for (const match::keyspec::Key& k1 : a) {
    for (const match::keyspec::Key& k2 : b) {
      if (k1.bytes != k2.bytes) continue;
      pattern |= 1u << static_cast<int>(k1.type);
      ++d.agreeing_keys;
    }
  }
  d.score = scorer.Score(pattern);
  d.keys = match::keyspec::PatternNames(pattern);
  return d;
}

// Up to `limit` predicted pairs that are not true, and true pairs that were
// not predicted (those whose records are both in the files).
void DiagnoseMisses(const std::vector<record::Person>& a, const std::vector<record::Person>& b,
                    const std::vector<match::KeySet>& ka, const std::vector<match::KeySet>& kb,
                    const std::set<match::IdPair>& predicted, const std::set<match::IdPair>& truth,
                    const match::Scorer& scorer, size_t limit, LinkageBenchReport& report) {
  absl::flat_hash_map<std::string, size_t> ia, ib;
  for (size_t i = 0; i < a.size(); ++i) ia[a[i].external_id] = i;
  for (size_t i = 0; i < b.size(); ++i) ib[b[i].external_id] = i;
  for (const match::IdPair& p : predicted) {
    if (report.false_matches.size() >= limit) break;
    if (truth.count(p)) continue;
    report.false_matches.push_back(Diagnose(p, ka[ia[p.first]], kb[ib[p.second]], scorer));
  }
  for (const match::IdPair& t : truth) {
    if (report.missed.size() >= limit) break;
    if (predicted.count(t)) continue;
    auto x = ia.find(t.first), y = ib.find(t.second);
    if (x == ia.end() || y == ib.end()) continue;
    report.missed.push_back(Diagnose(t, ka[x->second], kb[y->second], scorer));
  }
}

// A peer's handle to its external id. Without the peer's handles (no peer
// directory) the results name the peer's external ids directly; a handle
// the responder does not know is tried as an external id.
absl::StatusOr<std::string> PeerExternalId(
    Node* peer, const absl::flat_hash_map<std::string, std::string>& handles,
    const std::string& handle) {
  if (peer == nullptr) return handle;
  if (auto it = handles.find(handle); it != handles.end()) return it->second;
  ASSIGN_OR_RETURN(const std::optional<record::Person> p, peer->records().Get(handle));
  if (!p.has_value()) return absl::NotFoundError("handle not known to the peer");
  return p->external_id;
}

}  // namespace

absl::StatusOr<LinkageBenchReport> BenchLinkage(const LinkageBenchRequest& request) {
  LinkageBenchReport report;
  const absl::Time start = absl::Now();
  ASSIGN_OR_RETURN(const std::vector<record::Person> a,
                   importer::ReadPersonsFile(request.a_path, request.import));
  ASSIGN_OR_RETURN(const std::vector<record::Person> b,
                   importer::ReadPersonsFile(request.b_path, request.import));
  ASSIGN_OR_RETURN(const std::set<match::IdPair> truth, match::ReadTruth(request.truth_path));
  const absl::Time loaded = absl::Now();
  ASSIGN_OR_RETURN(const match::keyspec::Version version,
                   match::keyspec::ParseVersion(request.keyspec, "linkage benchmark"));
  const std::vector<match::KeySet> ka = DeriveAllKeys(a, request.region, &report.unusable, version);
  const std::vector<match::KeySet> kb = DeriveAllKeys(b, request.region, &report.unusable, version);
  if (request.progress.on_keys) request.progress.on_keys(report.unusable);
  const absl::Time keyed = absl::Now();
  report.scorer.threshold =
      request.threshold >= 0 ? request.threshold : match::DefaultThreshold(a.size());
  std::vector<match::CandidatePair> all;
  ScoreCandidatePairs(ka, kb, report.scorer, request.progress.on_linking, &all);
  const absl::Time linked = absl::Now();
  // Both scorings over the same candidates, each best A per B and then
  // one-to-one as well.
  std::vector<match::CandidatePair> matches;
  std::set<match::IdPair> predicted;
  for (const match::Scoring scoring :
       {match::Scoring::kIndependent, match::Scoring::kPatterns, match::Scoring::kHybrid}) {
    match::Scorer scorer = report.scorer;
    scorer.scoring = scoring;
    std::vector<match::CandidatePair> best = match::BestPerB(match::ScoreAndFilter(all, scorer));
    for (const bool one_to_one : {false, true}) {
      std::vector<match::CandidatePair> kept = one_to_one ? match::OneToOne(best) : best;
      std::set<match::IdPair> pairs;
      for (const match::CandidatePair& c : kept)
        pairs.emplace(a[c.a].external_id, b[c.b].external_id);
      const match::Quality q = match::Evaluate(pairs, truth);
      if (scoring == match::Scoring::kHybrid) {
        (one_to_one ? report.hybrid_one_to_one : report.hybrid) = q;
      } else {
        const bool patterns = scoring == match::Scoring::kPatterns;
        (patterns ? (one_to_one ? report.patterns_one_to_one : report.patterns)
                  : (one_to_one ? report.independent_one_to_one : report.independent)) = q;
      }
      if (scoring == request.scoring && one_to_one == request.one_to_one) {
        report.quality = q;
        predicted = std::move(pairs);
        matches = std::move(kept);
      }
    }
  }
  report.scorer.scoring = request.scoring;
  if (request.labels > 0) {
    // The review queue's sample: the candidates reaching t closest to the
    // threshold, each labelled from the truth.
    std::vector<const match::CandidatePair*> band;
    for (const match::CandidatePair& c : all) {
      if (match::keyspec::AgreeingGroups(c.pattern) >= report.scorer.min_agreeing_keys) {
        band.push_back(&c);
      }
    }
    const double t = report.scorer.threshold;
    std::sort(band.begin(), band.end(),
              [&](const match::CandidatePair* x, const match::CandidatePair* y) {
                const double dx = std::abs(report.scorer.IndependentScore(x->pattern) - t);
                const double dy = std::abs(report.scorer.IndependentScore(y->pattern) - t);
                return dx != dy ? dx < dy : (x->b != y->b ? x->b < y->b : x->a < y->a);
              });
    band.resize(std::min(band.size(), static_cast<size_t>(request.labels)));
    std::vector<match::LabelledPattern> labels;
    for (const match::CandidatePair* c : band) {
      labels.push_back({c->pattern, truth.count({a[c->a].external_id, b[c->b].external_id}) > 0});
    }
    report.labelled = labels.size();
    std::vector<uint32_t> patterns;
    for (const match::CandidatePair& c : all) patterns.push_back(c.pattern);
    match::Scorer taught = report.scorer;
    taught.scoring = match::Scoring::kPatterns;
    taught.FitPatterns(patterns, static_cast<double>(a.size()) * static_cast<double>(b.size()),
                       labels);
    std::set<match::IdPair> pairs;
    for (const match::CandidatePair& c : match::BestPerB(match::ScoreAndFilter(all, taught))) {
      pairs.emplace(a[c.a].external_id, b[c.b].external_id);
    }
    report.patterns_labelled = match::Evaluate(pairs, truth);
  }
  if (request.misses > 0) {
    DiagnoseMisses(a, b, ka, kb, predicted, truth, report.scorer,
                   static_cast<size_t>(request.misses), report);
  }
  report.a_records = a.size();
  report.b_records = b.size();
  for (const match::KeySet& k : ka) report.keys += k.size();
  for (const match::KeySet& k : kb) report.keys += k.size();
  report.matches = matches.size();
  report.true_pairs = truth.size();
  report.load_time = loaded - start;
  report.key_time = keyed - loaded;
  report.link_time = linked - keyed;
  return report;
}

absl::StatusOr<match::Quality> EvaluateResults(const EvalRequest& request) {
  if (request.results_path.empty() || request.truth_path.empty()) {
    return absl::InvalidArgumentError("results and truth files are required");
  }
  ASSIGN_OR_RETURN(const std::set<match::IdPair> truth, match::ReadTruth(request.truth_path));
  std::unique_ptr<Node> peer;
  absl::flat_hash_map<std::string, std::string> handles;
  if (!request.peer_dir.empty()) {
    ASSIGN_OR_RETURN(peer, Node::Open(request.peer_dir, {.load_identity = false}));
    ASSIGN_OR_RETURN(handles, OwnHandles(*peer));
  }
  std::ifstream in(request.results_path);
  if (!in) return absl::NotFoundError(absl::StrCat(request.results_path, ": cannot open"));
  std::string line;
  int number = 0;
  std::set<match::IdPair> predicted;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    const std::vector<std::string> f = absl::StrSplit(line, ',');
    if (number == 1 && !f.empty() && f[0] == "own_id") continue;
    if (f.size() < 3) {
      return absl::InvalidArgumentError(absl::StrCat(
          request.results_path, ":", number, ": expected own_id,peer,handle,score,keys,role"));
    }
    absl::StatusOr<std::string> id = PeerExternalId(peer.get(), handles, f[2]);
    if (!id.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(request.results_path, ":", number, ": ", id.status().message()));
    }
    predicted.emplace(f[0], *id);
  }
  // The results may come from either side (own ids in the truth's id_a or
  // id_b column): orient them like the truth.
  std::set<std::string> truth_b;
  for (const match::IdPair& t : truth) truth_b.insert(t.second);
  size_t own_in_b = 0;
  for (const match::IdPair& p : predicted) own_in_b += truth_b.count(p.first);
  if (own_in_b * 2 > predicted.size()) {
    std::set<match::IdPair> swapped;
    for (const match::IdPair& p : predicted) swapped.emplace(p.second, p.first);
    predicted = std::move(swapped);
  }
  return match::Evaluate(predicted, truth);
}

}  // namespace fedlink::app
