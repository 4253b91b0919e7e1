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
#include "node/app/audit_report_signature.h"
#include "node/cli/command.h"
#include "node/cli/flag_errors.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"
#include "node/common/whole_file.h"

ABSL_FLAG(std::string, roster, "",
          "A signed roster file (roster.bin): check each export's node key "
          "against it "
          "(needs --federation-key).");
ABSL_FLAG(std::string, html, "", "Where to write the HTML report.");
ABSL_FLAG(std::string, working_hours, "",
          "Declared working hours, UTC: HH:MM-HH:MM[/mon-fri]; requests outside them are a "
          "misuse signal in the report.");
ABSL_FLAG(bool, sign, false,
          "Sign the report with the identity key of the node in --dir (writes OUT.html.sig).");
ABSL_FLAG(std::string, signature, "", "The report's signature file (default: REPORT.sig).");
ABSL_FLAG(std::string, signer_vkey, "", "The verifier key of the node that signed the report.");

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
              << (l.identity_vkeys.size() > 1
                      ? absl::StrCat(", identity key changed ", l.identity_vkeys.size() - 1,
                                     " time(s), each signed by the key before")
                      : "")
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
  const bool sign = absl::GetFlag(FLAGS_sign);
  if (sign && absl::GetFlag(FLAGS_dir).empty()) {
    return ReportError("audit report",
                       absl::InvalidArgumentError("--sign needs --dir DIR (the auditor's node)"));
  }
  app::ReportOptions options;
  if (const std::string hours = absl::GetFlag(FLAGS_working_hours); !hours.empty()) {
    auto parsed = app::ParseWorkingHours(hours);
    if (!parsed.ok()) {
      return ReportError("audit report",
                         NameFlags(parsed.status(), {{"working hours", "--working-hours"}}));
    }
    options.signals.working_hours = *parsed;
  }
  auto review = Review(args);
  if (!review.ok()) return ReportError("audit report", review.status());
  const std::string page = app::RenderAuditReport(*review, absl::Now(), options);
  if (sign) {
    // Signed first: a report is written only with its signature.
    const int signed_ok = WithNodeInDir("audit report", [&](app::Node& node) {
      auto signature = app::SignAuditReport(node, page);
      if (!signature.ok()) return ReportError("audit report", signature.status());
      if (auto s = common::WriteFileAtomically(html + ".sig", *signature); !s.ok()) {
        return ReportError("audit report", s);
      }
      std::cout << "signed " << html << " with the key of node " << Safe(node.id()) << " into "
                << html << ".sig\n";
      return kExitOk;
    });
    if (signed_ok != kExitOk) return signed_ok;
  }
  if (auto s = WriteOutput(html, page); !s.ok()) return ReportError("audit report", s);
  const app::Findings found = app::FindingsOf(*review, absl::Now(), options);
  std::cout << "wrote " << html << ": " << (review->ok() ? "verified" : "PROBLEMS FOUND");
  if (review->ok() && found.total() > 0) {
    std::cout << ", " << found.total() << " findings to review";
  }
  std::cout << "\n";
  return review->ok() ? kExitOk : kExitFailure;
}

int RunAuditVerifyReport(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return ReportError("audit verify-report", absl::InvalidArgumentError("expected REPORT.html"));
  }
  app::VerifyReportRequest request;
  request.report = args[0];
  request.signature = absl::GetFlag(FLAGS_signature);
  request.signer_vkey = absl::GetFlag(FLAGS_signer_vkey);
  request.roster = absl::GetFlag(FLAGS_roster);
  request.federation_key = absl::GetFlag(FLAGS_federation_key);
  auto verified = app::VerifyAuditReportFiles(request);
  if (!verified.ok()) {
    if (absl::IsDataLoss(verified.status()) || absl::IsUnauthenticated(verified.status())) {
      std::cout << Safe(args[0]) << ": FAILED: " << Safe(verified.status().message()) << "\n";
      return kExitFailure;
    }
    return ReportError("audit verify-report", verified.status());
  }
  std::cout << Safe(args[0]) << ": signed by " << Safe(verified->signer) << ", SHA-256 "
            << verified->sha256 << ": OK\n";
  return kExitOk;
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
                "[--working-hours HH:MM-HH:MM[/mon-fri]] [--sign --dir DIR]\n\n"
                "Writes a self-contained page (no network) for an auditor: a headline of\n"
                "what was verified and what was found, provenance, misuse signals, every\n"
                "exchange with its legal basis and official (filters, CSV export),\n"
                "summaries per peer and official, follow-ups, refusals, consent\n"
                "withdrawals and anomalies. --sign signs it with the key of the node in\n"
                "--dir (OUT.html.sig; check with `audit verify-report`). Exit 1 if\n"
                "anything failed to verify.",
                "render verified exports as an HTML report for auditors",
                {"html", "roster", "federation_key", "working_hours", "sign", "dir", "key_file",
                 "passphrase_file", "passphrase_fd", "credential"},
                RunAuditReport);
FEDLINK_COMMAND("audit verify-report",
                "  fedlink audit verify-report REPORT.html [--signature REPORT.html.sig]\n"
                "      (--signer-vkey VKEY | --roster roster.bin --federation-key VKEY)\n\n"
                "Checks that REPORT.html is, byte for byte, the report the signer signed\n"
                "with `audit report --sign`: signed by the node with VKEY, or by any member\n"
                "of the signed roster. Exit 0 only if it is.",
                "check an auditor's signature on a report",
                {"signature", "signer_vkey", "roster", "federation_key"}, RunAuditVerifyReport);
}  // namespace
}  // namespace fedlink::cli
