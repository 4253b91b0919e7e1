// fedlink bench linkage | eval: linkage quality in the clear, with exactly
// the keyspec v1 keys and the Fellegi-Sunter scorer the private protocol
// uses (node/app/linkage_quality.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "node/app/linkage_quality.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/linkage_progress.h"
#include "node/cli/progress.h"

ABSL_FLAG(std::string, results, "", "Results CSV: own_id,peer,handle,score,keys,role.");
ABSL_FLAG(std::string, peer_dir, "",
          "Node directory of the peer that owns the handles (to resolve them "
          "to external ids).");
ABSL_FLAG(int, labels, 0,
          "bench linkage: also fit the pattern model with N borderline pairs labelled from "
          "the truth (as the review queue would) and print its quality.");
ABSL_FLAG(int, misses, 0,
          "Print the agreement patterns (key type names, no values) of up to N "
          "missed true "
          "pairs, for tuning.");

namespace fedlink::cli {
namespace {

void PrintMisses(const app::LinkageBenchReport& r) {
  for (const app::PairDiagnosis& d : r.false_matches) {
    std::cout << "false " << d.pair.first << "," << d.pair.second << ": score=" << d.score << " "
              << d.keys << "\n";
  }
  for (const app::PairDiagnosis& d : r.missed) {
    std::cout << "missed " << d.pair.first << "," << d.pair.second << ": keys=" << d.agreeing_keys
              << " score=" << d.score << " " << d.keys << "\n";
  }
}

int RunBenchLinkage(const std::vector<std::string>& args) {
  app::LinkageBenchRequest request;
  request.a_path = absl::GetFlag(FLAGS_a);
  request.b_path = absl::GetFlag(FLAGS_b);
  request.truth_path = absl::GetFlag(FLAGS_truth);
  if (request.a_path.empty() || request.b_path.empty() || request.truth_path.empty()) {
    return ReportError("bench linkage",
                       absl::InvalidArgumentError("--a, --b and --truth are required"));
  }
  auto options = LinkageImportOptions();
  if (!options.ok()) return ReportError("bench linkage", options.status());
  request.import = *std::move(options);
  request.region = absl::GetFlag(FLAGS_region);
  request.keyspec = absl::GetFlag(FLAGS_keyspec);
  request.threshold = absl::GetFlag(FLAGS_threshold);
  request.misses = absl::GetFlag(FLAGS_misses);
  request.one_to_one = absl::GetFlag(FLAGS_one_to_one);
  request.labels = absl::GetFlag(FLAGS_labels);
  const std::string scoring = absl::GetFlag(FLAGS_scoring);
  if (scoring != "patterns" && scoring != "independent" && scoring != "hybrid") {
    return ReportError("bench linkage", absl::InvalidArgumentError(
                                            "--scoring: expected patterns, independent or hybrid"));
  }
  request.scoring = scoring == "patterns" ? match::Scoring::kPatterns
                    : scoring == "hybrid" ? match::Scoring::kHybrid
                                          : match::Scoring::kIndependent;
  ProgressBar bar("linking");
  request.progress = LinkProgressOnStderr(&bar);
  auto r = app::BenchLinkage(request);
  bar.Finish();
  if (!r.ok()) return ReportError("bench linkage", r.status());
  PrintMisses(*r);
  std::cout << "records: a=" << r->a_records << " b=" << r->b_records << " keys=" << r->keys
            << " matches=" << r->matches << " true_pairs=" << r->true_pairs << "\n";
  std::cout << "scorer (threshold " << r->scorer.threshold
            << " bits, t=" << r->scorer.min_agreeing_keys << "):\n"
            << r->scorer.Describe();
  std::cout << absl::StrFormat(
      "time: load=%.2fs keys=%.2fs link=%.2fs total=%.2fs\n", absl::ToDoubleSeconds(r->load_time),
      absl::ToDoubleSeconds(r->key_time), absl::ToDoubleSeconds(r->link_time),
      absl::ToDoubleSeconds(r->load_time + r->key_time + r->link_time));
  std::cout << "quality before (independent weights): " << r->independent.Line() << "\n"
            << "quality before, one-to-one: " << r->independent_one_to_one.Line() << "\n"
            << "quality after (pattern model): " << r->patterns.Line() << "\n"
            << "quality after, one-to-one: " << r->patterns_one_to_one.Line() << "\n"
            << "quality hybrid (pattern-model m, value-frequency u): " << r->hybrid.Line() << "\n"
            << "quality hybrid, one-to-one: " << r->hybrid_one_to_one.Line() << "\n";
  if (r->labelled > 0) {
    std::cout << "quality after, " << r->labelled
              << " labelled pairs: " << r->patterns_labelled.Line() << "\n";
  }
  std::cout << r->quality.Line() << "\n";
  return kExitOk;
}

int RunEval(const std::vector<std::string>& args) {
  auto quality = app::EvaluateResults(
      {absl::GetFlag(FLAGS_results), absl::GetFlag(FLAGS_truth), absl::GetFlag(FLAGS_peer_dir)});
  if (!quality.ok()) return ReportError("eval", quality.status());
  std::cout << quality->Line() << "\n";
  return kExitOk;
}

FEDLINK_COMMAND(
    "bench linkage",
    "  fedlink bench linkage --a A.csv --b B.csv --truth truth.csv [--map "
    "...]\n"
    "                        [--threshold BITS] [--region CC] [--keyspec 1|2]\n"
    "                        [--scoring patterns|independent] [--one-to-one] [--labels N]\n\n"
    "Links B against A in the clear with the keyspec v1 (or v2) keys and the scorer,\n"
    "prints sizes, the fitted scorer, timings, the quality of both scorings with and\n"
    "without one-to-one assignment (same run), and as its last line\n"
    "precision=P recall=R f1=F.",
    "non-private linkage baseline: quality and time",
    {"a", "b", "truth", "map", "threshold", "region", "misses", "keyspec", "scoring", "one_to_one",
     "labels"},
    RunBenchLinkage);
FEDLINK_COMMAND("eval",
                "  fedlink eval --results results.csv --truth truth.csv [--peer-dir "
                "DIR]\n\n"
                "Scores a results file (own_id,peer,handle,score,keys,role) against truth\n"
                "(id_a,id_b) and prints precision=P recall=R f1=F.",
                "precision/recall/F1 of a match results file", {"results", "truth", "peer_dir"},
                RunEval);

}  // namespace
}  // namespace fedlink::cli
