// fedlink audit export | list: the node's tamper-evident access log, exported
// and read back (docs/audit.md; node/app/audit.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "node/app/audit.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"
#include "node/cli/result_csv.h"

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
  auto entries = app::VerifiedEntries(*bytes);
  if (!entries.ok()) return ReportError("audit list", entries.status());
  std::cout << AuditEntriesCsv(*entries);
  return kExitOk;
}

FEDLINK_COMMAND("audit export", "  fedlink audit export --dir DIR --out FILE",
                "write a self-contained, verifiable export of the node's access log",
                {"dir", "out"}, RunAuditExport);
FEDLINK_COMMAND("audit list", "  fedlink audit list FILE",
                "print a verified export's entries as CSV", {}, RunAuditList);

}  // namespace
}  // namespace fedlink::cli
