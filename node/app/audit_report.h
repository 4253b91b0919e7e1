// The auditor's page: a reviewed set of exports (audit_review.h) rendered as
// one self-contained HTML document (no network) that answers an oversight
// body's questions: a headline of what was verified and what was found
// (audit_headline.h); provenance (files, SHA-256, nodes, entry ranges,
// checkpoints, witnesses, roster, fedlink version); misuse signals, each in
// one sentence with its entries (audit_signals.h); every exchange with its
// legal basis and official, those without flagged, filterable by date,
// peer, purpose, outcome and official, and exportable as CSV; per-peer and
// per-official summaries; a time axis of evaluations; follow-ups against
// the 48-hour window and revocation notices (audit_followups.h); refusals,
// consent withdrawals and anomalies. `fedlink audit report` writes it.
//
//   std::string html = app::RenderAuditReport(review, absl::Now(), options);
//
// The one inline script (filters, CSV export) runs under a strict Content
// Security Policy that names its SHA-256 (no 'unsafe-inline', no network):
// without scripts the page shows every row. Pure and thread-safe. Every
// figure comes from verified entries only; every string from an export is
// HTML-escaped.
#ifndef FEDLINK_NODE_APP_AUDIT_REPORT_H_
#define FEDLINK_NODE_APP_AUDIT_REPORT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "node/app/audit_headline.h"
#include "node/app/audit_review.h"
#include "node/app/audit_signals.h"

namespace fedlink::app {

struct ReportOptions {
  SignalOptions signals;
  // Rows of the exchanges table at most (the newest are kept; the page says
  // how many were left out). Summaries and signals count every exchange.
  size_t max_rows = 20000;
};

// `now` is the generation time shown on the page, and the time follow-up
// windows are judged at.
std::string RenderAuditReport(const AuditReview& review, absl::Time now,
                              const ReportOptions& options = {});

// What the page finds beyond verification (signals, exchanges without
// legal basis, follow-ups late or unanswered, revocations unacknowledged).
Findings FindingsOf(const AuditReview& review, absl::Time now, const ReportOptions& options = {});

// The page's inline script, and the CSP source that allows exactly it
// ("'sha256-...'"), for tests.
absl::string_view AuditReportScript();
std::string AuditReportScriptHashSource();

// Whether an exchange entry lacks its legal basis or its official: a match
// or contact request that authenticated and named either as empty.
bool LacksLegalBasis(const ExportedEntry& e);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_AUDIT_REPORT_H_
