// fedlink dedup: probable duplicates among the node's own records
// (node/app/clear_linkage.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "node/app/clear_linkage.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/linkage_progress.h"
#include "node/cli/output.h"
#include "node/cli/progress.h"
#include "node/cli/result_csv.h"

namespace fedlink::cli {
namespace {

int RunDedup(const std::vector<std::string>& args) {
  return WithNodeInDir("dedup", {.load_identity = false}, [&](app::Node& node) {
    ProgressBar bar("deduplicating");
    app::DedupOptions options;
    options.threshold = absl::GetFlag(FLAGS_threshold);
    options.progress = LinkProgressOnStderr(&bar);
    auto report = app::FindDuplicates(node, options);
    bar.Finish();
    if (!report.ok()) return ReportError("dedup", report.status());
    const std::string csv = DuplicatePairsCsv(report->pairs);
    const std::string out = absl::GetFlag(FLAGS_out);
    if (auto s = WriteOutput(out, csv); !s.ok()) return ReportError("dedup", s);
    std::cerr << "dedup: " << report->records << " records, " << report->pairs.size()
              << " probable duplicate pairs\n";
    return kExitOk;
  });
}

FEDLINK_COMMAND("dedup", "  fedlink dedup --dir DIR [--out pairs.csv] [--threshold BITS]",
                "find probable duplicates among the node's own records (blocking, never "
                "all pairs)",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "out",
                 "threshold"},
                RunDedup);

}  // namespace
}  // namespace fedlink::cli
