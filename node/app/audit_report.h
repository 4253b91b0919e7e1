// The auditor's page: a reviewed set of exports (audit_review.h) rendered as
// one self-contained HTML document (no network, no script) with the
// verification status, who queried whom for what purpose over time, budgets,
// refusals, consent withdrawals and anomalies. `fedlink audit report` writes
// it to a file; the web console serves the same page.
//
//   std::string html = app::RenderAuditReport(review, absl::Now());
//
// Pure and thread-safe. Every figure comes from verified entries only; every
// string from an export is HTML-escaped.
#ifndef FEDLINK_NODE_APP_AUDIT_REPORT_H_
#define FEDLINK_NODE_APP_AUDIT_REPORT_H_

#include <string>

#include "absl/time/time.h"
#include "node/app/audit_review.h"

namespace fedlink::app {

// `now` is the generation time shown on the page.
std::string RenderAuditReport(const AuditReview& review, absl::Time now);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_AUDIT_REPORT_H_
