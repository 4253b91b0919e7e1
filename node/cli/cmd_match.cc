// fedlink match: the node's own records privately matched against peers' tag
// tables (node/app/match.h).
#include <iostream>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "node/app/match.h"
#include "node/app/review.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"
#include "node/cli/peer_results.h"
#include "node/cli/progress.h"
#include "node/cli/result_csv.h"

ABSL_FLAG(bool, all, false, "Ask every roster member.");
ABSL_FLAG(double, review_margin, fedlink::app::kDefaultReviewMargin,
          "Bits below the threshold from which a pair goes to the review queue "
          "(`fedlink review`); 0: no queue.");

namespace fedlink::cli {
namespace {

int RunMatch(const std::vector<std::string>& args) {
  return WithNodeInDir("match", [&](app::Node& node) {
    app::MatchRequest request;
    request.purpose = absl::GetFlag(FLAGS_purpose);
    request.peer = absl::GetFlag(FLAGS_peer);
    request.all = absl::GetFlag(FLAGS_all);
    request.options = PeerMatchOptionsFromFlags();
    request.options.review_margin = absl::GetFlag(FLAGS_review_margin);
    if (request.options.review_margin < 0) {
      return ReportError("match", absl::InvalidArgumentError("--review-margin: bits, 0 or more"));
    }
    const std::string scoring = absl::GetFlag(FLAGS_scoring);
    if (scoring != "patterns" && scoring != "independent") {
      return ReportError("match",
                         absl::InvalidArgumentError("--scoring: expected patterns or independent"));
    }
    request.options.scoring =
        scoring == "patterns" ? match::Scoring::kPatterns : match::Scoring::kIndependent;
    request.one_to_one = absl::GetFlag(FLAGS_one_to_one);
    std::unique_ptr<ProgressBar> bar;
    request.options.on_progress = [&bar](const std::string& peer, size_t done, size_t total) {
      if (bar == nullptr) bar = std::make_unique<ProgressBar>(absl::StrCat("matching ", peer));
      bar->Update(done, total);
    };
    request.options.on_peer_done = [&bar](const app::PeerResult& r) {
      bar.reset();
      PrintPeerSummary(r);
    };
    auto report = app::MatchOwnRecords(node, request);
    if (!report.ok()) return ReportError("match", report.status());
    const std::string csv = OwnMatchesCsv(report->matches);
    for (const app::NoticeOutcome& n : report->notices) {
      if (n.status.ok()) {
        std::cerr << "peer " << Safe(n.peer) << ": told of " << n.matches
                  << " matches (its policy asks for notice)\n";
      } else {
        std::cerr << "peer " << Safe(n.peer)
                  << ": notice of matches not delivered: " << Safe(n.status.message()) << "\n";
      }
    }
    const std::string out = absl::GetFlag(FLAGS_out);
    if (auto s = WriteOutput(out, csv); !s.ok()) return ReportError("match", s);
    const size_t failed = report->failed_peers();
    std::cerr << "match: " << report->queries << " of " << report->records
              << " records used as queries";
    if (report->withheld > 0) {
      std::cerr << " (" << report->withheld << " withheld: no consent for " << Safe(request.purpose)
                << ")";
    }
    std::cerr << "\nmatch: " << report->matches.size() << " matches with "
              << report->peers.size() - failed << " peers"
              << (out.empty() ? "" : absl::StrCat(", written to ", out)) << "\n";
    if (report->queued > 0 || report->rejected > 0 || report->one_to_one_dropped > 0) {
      std::cerr << "match: " << report->queued << " borderline pairs in the review queue (`fedlink "
                << "review list`), " << report->rejected << " left out as rejected in review, "
                << report->one_to_one_dropped << " left out by --one-to-one\n";
    }
    if (failed > 0) {
      std::cerr << "match: results are INCOMPLETE: " << failed << " of " << report->peers.size()
                << " peers failed (see above)\n";
      return kExitFailure;
    }
    return kExitOk;
  });
}

FEDLINK_COMMAND("match",
                "  fedlink match --dir DIR (--peer ID | --all) --purpose P [--out results.csv]\n"
                "                [--threshold BITS] [--refresh] [--max-table-age 10m]\n"
                "                [--legal-basis REF] [--official ID] [--review-margin BITS]\n"
                "                [--one-to-one] [--scoring independent|patterns]\n\n"
                "Matches the node's own records (victims and witnesses only with consent\n"
                "for P) against peers' tag tables without revealing them, and writes\n"
                "own_id,peer,handle,score,keys,role,threshold (stdout, or --out; score and\n"
                "threshold in bits). Pairs within --review-margin bits below the threshold\n"
                "go to the review queue (`fedlink review`). A per-peer summary\n"
                "goes to stderr; exit 1 if any peer failed (results are then incomplete).",
                "privately match own records against peers",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "peer", "all",
                 "purpose", "out", "threshold", "refresh", "max_table_age", "legal_basis",
                 "official", "review_margin", "one_to_one", "scoring"},
                RunMatch);
}  // namespace
}  // namespace fedlink::cli
