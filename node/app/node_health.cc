#include "node/app/node_health.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "node/federation/roster_problem.h"

namespace fedlink::app {

server::NodeHealth AssessHealth(const HealthInputs& in) {
  server::NodeHealth h;
  if (!in.roster.ok()) {
    if (federation::RosterProblemOf(in.roster.status()) == federation::RosterProblem::kExpired) {
      h.problems.push_back(absl::StrCat("roster expired: ", in.roster.status().message(),
                                        " (install a newer roster)"));
    }
  } else if (in.roster->expires_at <= in.now) {
    // Held before it expired and not yet re-read.
    h.problems.push_back(absl::StrCat(
        "roster expired: roster version ", in.roster->version, " expired at ",
        absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", in.roster->expires_at, absl::UTCTimeZone()),
        " (install a newer roster)"));
  } else if (in.roster->expires_at - in.now <= kRosterExpiryWarning) {
    h.warnings.push_back(absl::StrCat(
        "roster version ", in.roster->version, " expires at ",
        absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", in.roster->expires_at, absl::UTCTimeZone()),
        " (in less than 7 days): install a newer roster"));
  }
  if (!in.audit_log.ok()) {
    h.problems.push_back(absl::StrCat("access log failed verification: ", in.audit_log.message()));
  }
  if (!in.store.ok()) {
    h.problems.push_back(absl::StrCat("record store unusable: ", in.store.message()));
  }
  h.serving = h.problems.empty();
  return h;
}

}  // namespace fedlink::app
