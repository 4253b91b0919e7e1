// Linkage-quality tooling: the non-private baseline (`fedlink bench
// linkage`: two files linked in the clear, scored against the truth, timed)
// and the scoring of a match results file against the truth (`fedlink
// eval`), resolving a peer's opaque handles with that peer's node directory.
//
//   LinkageBenchRequest request{.a_path = "a.csv", .b_path = "b.csv",
//   .truth_path = "t.csv"}; ASSIGN_OR_RETURN(LinkageBenchReport report,
//   BenchLinkage(request)); std::cout << report.quality.Line();  // precision=P
//   recall=R f1=F
//
// Test and tuning data only: the diagnoses name external ids and key type
// names, never values.
#ifndef FEDLINK_NODE_APP_LINKAGE_QUALITY_H_
#define FEDLINK_NODE_APP_LINKAGE_QUALITY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/app/clear_linkage.h"
#include "node/importer/importer.h"
#include "node/match/evaluation.h"
#include "node/match/scorer.h"

namespace fedlink::app {

struct LinkageBenchRequest {
  std::string a_path;              // organisation A (import format)
  std::string b_path;              // organisation B, linked against A
  std::string truth_path;          // id_a,id_b
  importer::ImportOptions import;  // for both files
  std::string region = "GB";
  int keyspec = 1;        // 1 or 2 (node/match/keyspec.h)
  double threshold = -1;  // bits; negative: DefaultThreshold(records in A)
  int misses = 0;         // diagnose up to this many false and missed pairs
  // Scoring of the reported quality (scorer.h); the other is measured too.
  match::Scoring scoring = match::Scoring::kIndependent;
  bool one_to_one = false;  // each A record in at most one pair (greedy)
  // Label this many borderline candidates (closest to the threshold first)
  // from the truth, as a person would in the review queue, and measure the
  // pattern model fitted with them too (patterns_labelled).
  int labels = 0;
  LinkProgress progress;
};

// A predicted pair that is not true, or a true pair not predicted, with the
// key types on which the two records agree.
struct PairDiagnosis {
  match::IdPair pair;
  int agreeing_keys = 0;
  double score = 0;
  std::string keys;  // keyspec::PatternNames
};

struct LinkageBenchReport {
  size_t a_records = 0;
  size_t b_records = 0;
  size_t keys = 0;  // derived from both files
  size_t matches = 0;
  size_t true_pairs = 0;
  match::keyspec::DropCounts unusable;
  match::Scorer scorer;  // as fitted
  std::vector<PairDiagnosis> false_matches;
  std::vector<PairDiagnosis> missed;
  absl::Duration load_time, key_time, link_time;
  match::Quality quality;  // as requested
  // The same candidates in the same run, by each scoring, best A per B and
  // then also one-to-one: before (independent) and after (patterns).
  match::Quality independent, independent_one_to_one, patterns, patterns_one_to_one;
  match::Quality patterns_labelled;  // with LinkageBenchRequest::labels
  // Scoring::kHybrid (pattern-model m, value-frequency u), same candidates.
  match::Quality hybrid, hybrid_one_to_one;
  size_t labelled = 0;  // labels actually given
};

// Links B against A (the best A record per B record) and scores the result
// against the truth. Errors name the file and line.
absl::StatusOr<LinkageBenchReport> BenchLinkage(const LinkageBenchRequest& request);

struct EvalRequest {
  std::string results_path;  // own_id,peer,handle,... (`fedlink match` output)
  std::string truth_path;    // id_a,id_b
  // The node directory of the peer that owns the handles, to resolve them;
  // empty: the handles are the peer's external ids (the clear baseline).
  std::string peer_dir;
};

// Precision, recall and F1 of the results file against the truth, the pairs
// oriented like the truth whichever side the results come from.
absl::StatusOr<match::Quality> EvaluateResults(const EvalRequest& request);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_LINKAGE_QUALITY_H_
