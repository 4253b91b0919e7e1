// The first thing an auditor reads: what was verified and what was found,
// in two sentences, under one status word. The status says VERIFIED only
// when every export verified and nothing was found; an anomaly, a signal or
// an exchange without its legal basis makes it FINDINGS TO REVIEW, and an
// export that did not verify (or logs that disagree) PROBLEMS FOUND. Without
// a signed roster and its federation key the verified sentence says the
// node keys are self-declared.
//
//   app::Headline h = app::MakeHeadline(review, findings);
//   ... h.status, h.verified, h.found ...
//
// Pure and thread-safe.
#ifndef FEDLINK_NODE_APP_AUDIT_HEADLINE_H_
#define FEDLINK_NODE_APP_AUDIT_HEADLINE_H_

#include <cstddef>
#include <string>

#include "node/app/audit_review.h"

namespace fedlink::app {

// What the report found beyond verification failures and join anomalies
// (which the review holds).
struct Findings {
  size_t signals = 0;
  size_t without_legal_basis = 0;  // exchanges lacking a legal basis or an official
  size_t followups_overdue_or_late = 0;
  size_t revocations_unacknowledged = 0;
  size_t witness_refusals_or_failed_reloads = 0;  // witness.refused, policy.reload not ok
  size_t total() const {
    return signals + without_legal_basis + followups_overdue_or_late + revocations_unacknowledged +
           witness_refusals_or_failed_reloads;
  }
};

struct Headline {
  enum class Status { kVerified, kFindings, kProblems };
  Status status = Status::kProblems;
  std::string status_text;  // "VERIFIED", "FINDINGS TO REVIEW", "PROBLEMS FOUND"
  std::string verified;     // what was checked, and with what
  std::string found;        // what was found ("nothing to report" only if clean)
};

Headline MakeHeadline(const AuditReview& review, const Findings& findings);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_AUDIT_HEADLINE_H_
