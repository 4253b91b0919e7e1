// fedlink audit verify | report: exports reviewed offline, printed or
// rendered as the auditor's page (node/app/audit_review.h, audit_report.h).
#include <iostream>
#include <set>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "node/app/audit.h"
#include "node/app/audit_report.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"

ABSL_FLAG(std::string, roster, "",
          "A signed roster file (roster.bin): check each export's node key "
          "against it "
          "(needs --federation-key).");
ABSL_FLAG(std::string, html, "", "Where to write the HTML report.");

namespace fedlink::cli {
namespace {

// The exports in `args`, with --roster R --federation-key VKEY if given.
absl::StatusOr<app::AuditReview> Review(const std::vector<std::string>& args) {
  return app::ReviewExportFiles(
      {args, absl::GetFlag(FLAGS_roster), absl::GetFlag(FLAGS_federation_key)});
}

int RunAuditVerify(const std::vector<std::string>& args) {
  if (args.empty()) {
    return ReportError("audit verify", absl::InvalidArgumentError("expected export FILE..."));
  }
  auto review = Review(args);
  if (!review.ok()) return ReportError("audit verify", review.status());
  for (const app::LogReview& l : review->logs) {
    if (!l.ok) {
      std::cout << Safe(l.path) << ": FAILED: " << Safe(l.failure) << "\n";
      continue;
    }
    std::set<std::string> witnesses(l.witnesses.begin(), l.witnesses.end());
    std::cout << Safe(l.path) << ": node " << Safe(l.node_id) << ": " << l.entries << " entries, "
              << l.checkpoints << " checkpoints, " << l.witnesses.size() << " cosignatures"
              << (witnesses.empty() ? ""
                                    : absl::StrCat(" (", Safe(absl::StrJoin(witnesses, ", ")), ")"))
              << ": OK\n";
  }
  for (const std::string& a : review->anomalies) std::cout << Safe(a) << "\n";
  if (review->entries.size() >= 2) {
    std::cout << "joined " << review->joined << " exchanges across " << review->entries.size()
              << " logs, " << review->anomalies.size() << " anomalies\n";
  }
  return review->ok() ? kExitOk : kExitFailure;
}

int RunAuditReport(const std::vector<std::string>& args) {
  const std::string html = absl::GetFlag(FLAGS_html);
  if (args.empty() || html.empty()) {
    return ReportError("audit report",
                       absl::InvalidArgumentError("expected export FILE... and --html OUT"));
  }
  auto review = Review(args);
  if (!review.ok()) return ReportError("audit report", review.status());
  if (auto s = WriteOutput(html, app::RenderAuditReport(*review, absl::Now())); !s.ok()) {
    return ReportError("audit report", s);
  }
  std::cout << "wrote " << html << ": " << (review->ok() ? "verified" : "PROBLEMS FOUND") << "\n";
  return review->ok() ? kExitOk : kExitFailure;
}

FEDLINK_COMMAND("audit verify",
                "  fedlink audit verify FILE... [--roster roster.bin --federation-key "
                "VKEY]\n\n"
                "Checks each export: the node's signatures, every checkpoint's Merkle "
                "root\n"
                "against the entries, checkpoints in order and covering every entry, and\n"
                "with --roster that the key is the one the roster lists. Given two or "
                "more\n"
                "nodes' exports, joins them on exchange id and reports orphans and\n"
                "mismatched request bytes. Exit 0 only if everything verifies.",
                "verify access-log exports offline; join several nodes' logs",
                {"roster", "federation_key"}, RunAuditVerify);
FEDLINK_COMMAND("audit report",
                "  fedlink audit report FILE... --html OUT.html [--roster R "
                "--federation-key VKEY]\n\n"
                "Writes a self-contained page (no network) for an auditor: verification\n"
                "status, who queried whom for what purpose over time, budgets, refusals,\n"
                "consent withdrawals and anomalies. Exit 1 if anything failed to verify.",
                "render verified exports as an HTML report for auditors",
                {"html", "roster", "federation_key"}, RunAuditReport);
}  // namespace
}  // namespace fedlink::cli
