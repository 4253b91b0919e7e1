// fedlink review: the queue of borderline matches; list it, accept or
// reject an item (node/app/review.h). Only opaque ids, handles, peers,
// scores and key-type names are shown or taken: no personal data.
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "node/app/review.h"
#include "node/cli/command.h"
#include "node/cli/flag_errors.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"
#include "node/common/csv_writer.h"
#include "node/match/keyspec.h"

ABSL_FLAG(bool, all_items, false, "review list: the decided items too.");

namespace fedlink::cli {
namespace {

constexpr char kUsage[] = "fedlink review: give list [--all-items], accept ID or reject ID\n";

int RunReview(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  const std::string& verb = args[0];
  const size_t want = verb == "list" ? 1 : 2;
  if ((verb != "list" && verb != "accept" && verb != "reject") || args.size() != want) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  return WithNodeInDir("review", [&](app::Node& node) {
    if (verb == "list") {
      auto items = app::ListReview(node, /*pending_only=*/!absl::GetFlag(FLAGS_all_items));
      if (!items.ok()) return ReportError("review", items.status());
      common::CsvWriter csv({"id", "peer", "purpose", "handle", "own_id", "score", "threshold",
                             "groups", "keys", "status", "official", "found"});
      for (const followup::ReviewItem& r : *items) {
        csv.OwnField(r.id).Field(r.peer).Field(r.purpose).Field(r.handle).OwnField(r.own_id);
        csv.Number(r.score).Number(r.threshold);
        csv.Integer(match::keyspec::AgreeingGroups(r.pattern)).OwnField(r.keys);
        csv.OwnField(followup::ReviewStatusName(r.status)).Field(r.official);
        csv.OwnField(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", r.found_at, absl::UTCTimeZone()));
        csv.EndRow();
      }
      std::cout << csv.TakeText();
      return kExitOk;
    }
    auto decided = app::DecideReview(node, {args[1], verb == "accept", ActorFromFlags()});
    if (!decided.ok()) {
      return ReportError("review", NameFlags(decided.status(), {{"official", "--official"}}));
    }
    std::cout << Safe(decided->id) << " " << followup::ReviewStatusName(decided->status) << " by "
              << Safe(decided->official) << "\n";
    return kExitOk;
  });
}

FEDLINK_COMMAND("review",
                "  fedlink review --dir DIR list [--all-items]\n"
                "  fedlink review --dir DIR accept ID --official ID\n"
                "  fedlink review --dir DIR reject ID --official ID\n\n"
                "The review queue: pairs `fedlink match` found scoring within --review-margin\n"
                "bits below the threshold. list writes CSV id,peer,purpose,handle,own_id,\n"
                "score,threshold,groups,keys,status,official,found (pending items; with\n"
                "--all-items the decided ones too). accept or reject decides one item: an\n"
                "accepted pair is reported by later matches, a rejected one is not, neither\n"
                "is asked again, and the decision is logged under --official.",
                "borderline matches: list, accept, reject",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "official",
                 "legal_basis", "all_items"},
                RunReview);

}  // namespace
}  // namespace fedlink::cli
