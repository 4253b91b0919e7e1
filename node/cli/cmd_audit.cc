// fedlink audit export | list: the node's tamper-evident access log, exported
// and read back (docs/audit.md; node/app/audit.h); audit open-followup |
// check-followup: a follow-up's content checked against the commitments the
// log keeps (node/app/followup_opening.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "node/app/audit.h"
#include "node/app/followup_opening.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"
#include "node/cli/result_csv.h"
#include "node/cli/result_jsonl.h"
#include "node/common/whole_file.h"

namespace fedlink::cli {
namespace {

int RunAuditExport(const std::vector<std::string>& args) {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    return ReportError("audit export", absl::InvalidArgumentError("--out FILE is required"));
  }
  return WithNodeInDir("audit export", [&](app::Node& node) {
    auto exported = app::ExportAuditLog(node);
    if (!exported.ok()) return ReportError("audit export", exported.status());
    if (auto s = WriteOutput(out, exported->bytes); !s.ok()) return ReportError("audit export", s);
    std::cout << "exported " << exported->entries << " entries and " << exported->checkpoints
              << " checkpoints of node " << exported->node_id << " to " << out << "\n";
    return kExitOk;
  });
}

int RunAuditList(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return ReportError("audit list", absl::InvalidArgumentError("expected one export FILE"));
  }
  auto bytes = common::ReadWholeFile(args[0]);
  if (!bytes.ok()) return ReportError("audit list", bytes.status());
  const std::string format = absl::GetFlag(FLAGS_format);
  if (!format.empty() && format != "csv" && format != "jsonl") {
    return ReportError("audit list", absl::InvalidArgumentError("--format: expected csv or jsonl"));
  }
  auto entries = app::VerifiedEntries(*bytes);
  if (!entries.ok()) return ReportError("audit list", entries.status());
  std::cout << (format == "jsonl" ? AuditEntriesJsonl(*entries) : AuditEntriesCsv(*entries));
  return kExitOk;
}

int RunAuditOpenFollowup(const std::vector<std::string>& args) {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (args.size() != 1 || out.empty()) {
    return ReportError("audit open-followup",
                       absl::InvalidArgumentError("expected CONTACT_ID and --out FILE"));
  }
  return WithNodeInDir("audit open-followup", [&](app::Node& node) {
    auto opening = app::WriteFollowupOpening(node, args[0]);
    if (!opening.ok()) return ReportError("audit open-followup", opening.status());
    // 0600: it holds personal data.
    if (auto s = common::WriteFileAtomically(out, *opening); !s.ok()) {
      return ReportError("audit open-followup", s);
    }
    std::cout << "wrote the opening of contact request " << Safe(args[0]) << " to " << out
              << " (its content and salt: personal data, for the auditor only)\n";
    return kExitOk;
  });
}

// One line per entry that commits to the opened content.
void PrintCommitted(absl::string_view what, const std::vector<app::CommittedEntry>& entries) {
  for (const app::CommittedEntry& c : entries) {
    const app::ExportedEntry& e = c.entry;
    std::cout << what << ": entry " << c.index << " " << Safe(e.event) << " " << Safe(e.requester)
              << " -> " << Safe(e.responder) << " purpose=" << Safe(e.purpose)
              << " exchange=" << e.exchange_id.substr(0, 16) << " outcome=" << SafeQuoted(e.outcome)
              << "\n";
  }
}

int RunAuditCheckFollowup(const std::vector<std::string>& args) {
  if (args.size() != 2) {
    return ReportError("audit check-followup",
                       absl::InvalidArgumentError("expected an export FILE and an OPENING file"));
  }
  auto bytes = common::ReadWholeFile(args[0]);
  if (!bytes.ok()) return ReportError("audit check-followup", bytes.status());
  auto opening = common::ReadWholeFile(args[1], common::kMaxSmallFileBytes);
  if (!opening.ok()) return ReportError("audit check-followup", opening.status());
  auto check = app::CheckFollowupOpening(*bytes, *opening);
  if (!check.ok()) return ReportError("audit check-followup", check.status());
  PrintCommitted("request", check->request_entries);
  PrintCommitted("reply", check->reply_entries);
  if (!check->ok()) {
    std::cout << "FAILED: the log of node " << Safe(check->node_id) << " holds no commitment to "
              << (check->request_entries.empty() ? "this request's content" : "this reply")
              << " (contact request " << Safe(check->contact_id) << ")\n";
    return kExitFailure;
  }
  std::cout << "OK: the log of node " << Safe(check->node_id) << " commits to this content of "
            << "contact request " << Safe(check->contact_id) << "\n";
  return kExitOk;
}

FEDLINK_COMMAND("audit export", "  fedlink audit export --dir DIR --out FILE",
                "write a self-contained, verifiable export of the node's access log",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "out"},
                RunAuditExport);
FEDLINK_COMMAND("audit list",
                "  fedlink audit list FILE [--format csv|jsonl]\n\n"
                "Verifies the export and prints its entries: CSV (RFC 4180, the default)\n"
                "or JSON Lines (one object per entry).",
                "print a verified export's entries as CSV or JSON Lines", {"format"}, RunAuditList);
FEDLINK_COMMAND("audit open-followup",
                "  fedlink audit open-followup --dir DIR --out FILE CONTACT_ID\n\n"
                "Writes (mode 0600) the content of a contact request this node received or\n"
                "sent, and the salt of the commitments its access log keeps instead of it,\n"
                "for an auditor to check with `fedlink audit check-followup`. The file\n"
                "holds personal data. Refused once the content was erased.",
                "write a follow-up's content for an auditor (personal data)",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "out"},
                RunAuditOpenFollowup);
FEDLINK_COMMAND("audit check-followup",
                "  fedlink audit check-followup EXPORT OPENING\n\n"
                "Verifies the export, then lists the entries that commit to the opening's\n"
                "content (the request's, and the reply's if it was answered). Exit 0 only\n"
                "if every commitment the opening makes is in the log.",
                "check a follow-up's content against an export's commitments", {},
                RunAuditCheckFollowup);

}  // namespace
}  // namespace fedlink::cli
