// fedlink audit export | verify | report | list: the node's tamper-evident
// access log for auditors (docs/audit.md; node/app/audit.h).
#include <iostream>
#include <set>

#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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

int RunAuditExport(const std::vector<std::string>& args) {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    return ReportError("audit export",
                       absl::InvalidArgumentError("--out FILE is required"));
  }
  auto node = app::Node::Open(absl::GetFlag(FLAGS_dir));
  if (!node.ok()) return ReportError("audit export", node.status());
  auto exported = app::ExportAuditLog(**node);
  if (!exported.ok()) return ReportError("audit export", exported.status());
  if (auto s = WriteOutput(out, exported->bytes); !s.ok())
    return ReportError("audit export", s);
  std::cout << "exported " << exported->entries << " entries and "
            << exported->checkpoints << " checkpoints of node "
            << exported->node_id << " to " << out << "\n";
  return kExitOk;
}

// The exports in `args`, with --roster R --federation-key VKEY if given.
absl::StatusOr<app::AuditReview> Review(const std::vector<std::string>& args) {
  return app::ReviewExportFiles(
      {args, absl::GetFlag(FLAGS_roster), absl::GetFlag(FLAGS_federation_key)});
}

int RunAuditVerify(const std::vector<std::string>& args) {
  if (args.empty()) {
    return ReportError("audit verify",
                       absl::InvalidArgumentError("expected export FILE..."));
  }
  auto review = Review(args);
  if (!review.ok()) return ReportError("audit verify", review.status());
  for (const app::LogReview& l : review->logs) {
    if (!l.ok) {
      std::cout << l.path << ": FAILED: " << l.failure << "\n";
      continue;
    }
    std::set<std::string> witnesses(l.witnesses.begin(), l.witnesses.end());
    std::cout << l.path << ": node " << l.node_id << ": " << l.entries
              << " entries, " << l.checkpoints << " checkpoints, "
              << l.witnesses.size() << " cosignatures"
              << (witnesses.empty()
                      ? ""
                      : absl::StrCat(" (", absl::StrJoin(witnesses, ", "), ")"))
              << ": OK\n";
  }
  for (const std::string& a : review->anomalies) std::cout << a << "\n";
  if (review->entries.size() >= 2) {
    std::cout << "joined " << review->joined << " exchanges across "
              << review->entries.size() << " logs, " << review->anomalies.size()
              << " anomalies\n";
  }
  return review->ok() ? kExitOk : kExitFailure;
}

int RunAuditReport(const std::vector<std::string>& args) {
  const std::string html = absl::GetFlag(FLAGS_html);
  if (args.empty() || html.empty()) {
    return ReportError(
        "audit report",
        absl::InvalidArgumentError("expected export FILE... and --html OUT"));
  }
  auto review = Review(args);
  if (!review.ok()) return ReportError("audit report", review.status());
  if (auto s = WriteOutput(html, app::RenderAuditReport(*review, absl::Now()));
      !s.ok()) {
    return ReportError("audit report", s);
  }
  std::cout << "wrote " << html << ": "
            << (review->ok() ? "verified" : "PROBLEMS FOUND") << "\n";
  return review->ok() ? kExitOk : kExitFailure;
}

int RunAuditList(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return ReportError("audit list",
                       absl::InvalidArgumentError("expected one export FILE"));
  }
  auto bytes = ReadWholeFile(args[0]);
  if (!bytes.ok()) return ReportError("audit list", bytes.status());
  auto entries = app::VerifiedEntries(*bytes);
  if (!entries.ok()) return ReportError("audit list", entries.status());
  std::cout << "index,time,event,requester,responder,purpose,legal_basis,"
               "official,count,hits,"
               "outcome,exchange,detail\n";
  for (size_t i = 0; i < entries->size(); ++i) {
    const app::ExportedEntry& e = (*entries)[i];
    std::cout << absl::StrFormat(
        "%d,%s,%s,%s,%s,%s,%s,%s,%d,%d,\"%s\",%s,\"%s\"\n", i,
        absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ",
                         absl::FromUnixMicros(e.time_unix_micros),
                         absl::UTCTimeZone()),
        e.event, e.requester, e.responder, e.purpose,
        absl::CEscape(e.legal_basis), absl::CEscape(e.official), e.count,
        e.hits, absl::CEscape(e.outcome), e.exchange_id.substr(0, 16),
        absl::CEscape(e.detail));
  }
  return kExitOk;
}

FEDLINK_COMMAND(
    "audit export", "  fedlink audit export --dir DIR --out FILE",
    "write a self-contained, verifiable export of the node's access log",
    {"dir", "out"}, RunAuditExport);
FEDLINK_COMMAND(
    "audit verify",
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
FEDLINK_COMMAND(
    "audit report",
    "  fedlink audit report FILE... --html OUT.html [--roster R "
    "--federation-key VKEY]\n\n"
    "Writes a self-contained page (no network) for an auditor: verification\n"
    "status, who queried whom for what purpose over time, budgets, refusals,\n"
    "consent withdrawals and anomalies. Exit 1 if anything failed to verify.",
    "render verified exports as an HTML report for auditors",
    {"html", "roster", "federation_key"}, RunAuditReport);
FEDLINK_COMMAND("audit list", "  fedlink audit list FILE",
                "print a verified export's entries as CSV", {}, RunAuditList);

}  // namespace
}  // namespace fedlink::cli
