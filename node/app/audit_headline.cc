#include "node/app/audit_headline.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace fedlink::app {
namespace {

std::string Count(size_t n, absl::string_view one, absl::string_view many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

}  // namespace

Headline MakeHeadline(const AuditReview& review, const Findings& findings) {
  Headline h;
  size_t verified = 0;
  uint64_t entries = 0;
  std::vector<std::string> failed;
  for (const LogReview& l : review.logs) {
    if (l.ok) {
      ++verified;
      entries += l.entries;
    } else {
      failed.push_back(absl::StrCat(l.path, " (", l.failure, ")"));
    }
  }
  h.verified =
      absl::StrCat(verified, " of ", review.logs.size(),
                   " exports verified (node signatures on every checkpoint, Merkle roots over ",
                   Count(entries, "entry", "entries"),
                   ", checkpoints growing and covering every entry, "
                   "witness cosignatures)");
  if (review.roster_checked) {
    absl::StrAppend(&h.verified, "; node keys and witnesses checked against signed roster version ",
                    review.roster_version, ".");
  } else {
    absl::StrAppend(&h.verified,
                    "; node keys are self-declared: no roster and federation key were given, so "
                    "an export could come from a node that made up its own key.");
  }
  std::vector<std::string> found;
  if (review.logs.empty()) found.push_back("no exports were given");
  if (!failed.empty()) {
    found.push_back(absl::StrCat(Count(failed.size(), "export", "exports"),
                                 " did not verify: ", absl::StrJoin(failed, "; ")));
  }
  if (!review.anomalies.empty()) {
    found.push_back(Count(review.anomalies.size(),
                          "join anomaly (an exchange one log lacks or "
                          "the two logs disagree on)",
                          "join anomalies (exchanges one log lacks "
                          "or the two logs disagree on)"));
  }
  if (findings.signals > 0) {
    found.push_back(Count(findings.signals, "misuse signal", "misuse signals"));
  }
  if (findings.without_legal_basis > 0) {
    found.push_back(Count(findings.without_legal_basis,
                          "exchange without a legal basis or official",
                          "exchanges without a legal basis or official"));
  }
  if (findings.followups_overdue_or_late > 0) {
    found.push_back(Count(findings.followups_overdue_or_late,
                          "contact request answered late or never",
                          "contact requests answered late or never"));
  }
  if (findings.revocations_unacknowledged > 0) {
    found.push_back(Count(findings.revocations_unacknowledged, "revocation notice not acknowledged",
                          "revocation notices not acknowledged"));
  }
  if (findings.witness_refusals_or_failed_reloads > 0) {
    found.push_back(Count(findings.witness_refusals_or_failed_reloads,
                          "witness refusal or failed policy reload",
                          "witness refusals or failed policy reloads"));
  }
  const bool problems = review.logs.empty() || !failed.empty() || !review.anomalies.empty();
  if (problems) {
    h.status = Headline::Status::kProblems;
    h.status_text = "PROBLEMS FOUND";
  } else if (!found.empty()) {
    h.status = Headline::Status::kFindings;
    h.status_text = "FINDINGS TO REVIEW";
  } else {
    h.status = Headline::Status::kVerified;
    h.status_text = "VERIFIED";
  }
  h.found = found.empty() ? "Found: nothing to report."
                          : absl::StrCat("Found: ", absl::StrJoin(found, "; "), ".");
  return h;
}

}  // namespace fedlink::app
