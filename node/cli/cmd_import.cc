// fedlink import: load person records into the node's store, all or nothing
// (node/app/import.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "node/app/import.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/record_output.h"
#include "node/importer/importer.h"

ABSL_FLAG(std::string, default_role, "",
          "Role for rows without one: victim, suspect, witness or other.");
ABSL_FLAG(bool, report, false,
          "After importing, print the data-quality report of the imported records "
          "(as `records quality`).");
ABSL_FLAG(std::string, bad_dates, "reject",
          "What to do with an impossible date of birth: reject (fail the "
          "import) or drop "
          "(keep the record without the date; the lines are reported).");

namespace fedlink::cli {
namespace {

int RunImport(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return ReportError("import", absl::InvalidArgumentError("expected exactly one FILE"));
  }
  importer::ImportOptions options;
  options.format = absl::GetFlag(FLAGS_format);
  auto map = importer::ParseColumnMap(absl::GetFlag(FLAGS_map));
  if (!map.ok()) return ReportError("import", map.status());
  options.column_map = *std::move(map);
  if (const std::string role = absl::GetFlag(FLAGS_default_role); !role.empty()) {
    auto parsed = record::ParseRole(role);
    if (!parsed.ok()) {
      return ReportError("import", absl::InvalidArgumentError(absl::StrCat(
                                       "--default-role: ", parsed.status().message())));
    }
    options.default_role = *parsed;
  }
  const std::string bad_dates = absl::GetFlag(FLAGS_bad_dates);
  if (bad_dates != "reject" && bad_dates != "drop") {
    return ReportError("import",
                       absl::InvalidArgumentError("--bad-dates: expected reject or drop"));
  }
  options.drop_bad_dates = bad_dates == "drop";
  return WithNodeInDir("import", [&](app::Node& node) {
    auto report = app::ImportRecords(node, {args[0], options, absl::GetFlag(FLAGS_report)});
    if (!report.ok()) return ReportError("import", report.status());
    std::cout << "imported " << report->records << " records (" << report->inserted << " new, "
              << report->updated << " updated) from " << args[0] << "\n"
              << "node " << node.id() << " now holds " << report->total << " records\n";
    if (!report->dropped_date_lines.empty()) {
      std::cerr << "warning: dropped " << report->dropped_date_lines.size()
                << " impossible dates of birth (lines "
                << absl::StrJoin(report->dropped_date_lines, ", ") << ")\n";
    }
    if (report->quality.has_value()) PrintDataQuality(*report->quality);
    const double seconds = report->seconds;
    std::cerr << "import took " << seconds << " s ("
              << static_cast<uint64_t>(seconds > 0 ? report->records / seconds : 0) << " rows/s)\n";
    return kExitOk;
  });
}

FEDLINK_COMMAND("import",
                "  fedlink import --dir DIR [--format csv|jsonl] [--map SRC=DST,...]\n"
                "                 [--default-role ROLE] [--report] FILE\n\n"
                "CSV header: canonical column names (external_id, role, given_name,\n"
                "family_name, aliases, dob, sex, nationality, phone, email, document, "
                "handle,\n"
                "iban, plate, address, consent, labels, officer, consent_expires); "
                "multi-valued\n"
                "fields separate values with ';'. JSONL: one object per line with the "
                "same\n"
                "keys (lists allowed). Any bad row fails the whole import with exit code 2 "
                "and\n"
                "FILE:LINE: field: problem; the database is left unchanged. Re-importing "
                "an\n"
                "external_id updates that record. --report: then print the imported\n"
                "records' data quality (as `fedlink records quality`).",
                "import person records from CSV or JSONL (all-or-nothing, upsert)",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "format",
                 "map", "default_role", "bad_dates", "report"},
                RunImport);

}  // namespace
}  // namespace fedlink::cli
