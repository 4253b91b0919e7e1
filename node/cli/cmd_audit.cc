// fedlink audit export | list: the node's tamper-evident access log, exported
// and read back (docs/audit.md; node/app/audit.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "node/app/audit.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"

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
  std::cout << "index,time,event,requester,responder,purpose,legal_basis,"
               "official,count,hits,"
               "outcome,exchange,detail\n";
  for (size_t i = 0; i < entries->size(); ++i) {
    const app::ExportedEntry& e = (*entries)[i];
    std::cout << absl::StrFormat(
        "%d,%s,%s,%s,%s,%s,%s,%s,%d,%d,\"%s\",%s,\"%s\"\n", i,
        absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMicros(e.time_unix_micros),
                         absl::UTCTimeZone()),
        e.event, e.requester, e.responder, e.purpose, absl::CEscape(e.legal_basis),
        absl::CEscape(e.official), e.count, e.hits, absl::CEscape(e.outcome),
        e.exchange_id.substr(0, 16), absl::CEscape(e.detail));
  }
  return kExitOk;
}

FEDLINK_COMMAND("audit export", "  fedlink audit export --dir DIR --out FILE",
                "write a self-contained, verifiable export of the node's access log",
                {"dir", "out"}, RunAuditExport);
FEDLINK_COMMAND("audit list", "  fedlink audit list FILE",
                "print a verified export's entries as CSV", {}, RunAuditList);

}  // namespace
}  // namespace fedlink::cli
