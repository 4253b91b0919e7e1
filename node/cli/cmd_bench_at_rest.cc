// fedlink bench at-rest: import, tag-table build and dedup on a node in the
// clear and on one sealed under a data key, in one run, with the ratios
// (node/app/bench_at_rest.h).
#include <iomanip>
#include <iostream>

#include "absl/flags/flag.h"
#include "node/app/bench_at_rest.h"
#include "node/cli/command.h"
#include "node/cli/flag_errors.h"
#include "node/cli/flags.h"

ABSL_FLAG(bool, table, true, "bench at-rest: also build a tag table (OPRF work; slow on 100k).");
ABSL_FLAG(bool, dedup, true, "bench at-rest: also run a dedup.");

namespace fedlink::cli {
namespace {

int RunBenchAtRest(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return ReportError("bench at-rest", absl::InvalidArgumentError("unexpected argument"));
  }
  app::AtRestOptions options;
  options.persons = absl::GetFlag(FLAGS_persons);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.table = absl::GetFlag(FLAGS_table);
  options.dedup = absl::GetFlag(FLAGS_dedup);
  options.progress = [](const std::string& line) { std::cerr << line << "\n"; };
  auto f = app::BenchAtRest(options);
  if (!f.ok())
    return ReportError("bench at-rest", NameFlags(f.status(), {{"persons", "--persons"}}));
  std::cout << std::fixed << std::setprecision(0) << "records: " << f->records << "\n"
            << "import, clear:  " << f->import_rows_per_second(f->clear) << " rows/s\n"
            << "import, sealed: " << f->import_rows_per_second(f->sealed) << " rows/s\n"
            << std::setprecision(3) << "ratio import sealed/clear (time): " << f->import_ratio()
            << "\n";
  if (options.table) {
    std::cout << "tag table, clear: " << f->clear.table_seconds
              << " s; sealed: " << f->sealed.table_seconds << " s (" << f->clear.table_slots
              << " slots)\nratio table sealed/clear: " << f->table_ratio() << "\n";
  }
  if (options.dedup) {
    std::cout << "dedup, clear: " << f->clear.dedup_seconds
              << " s; sealed: " << f->sealed.dedup_seconds << " s (" << f->clear.dedup_pairs
              << " pairs)\nratio dedup sealed/clear: " << f->dedup_ratio() << "\n";
  }
  return kExitOk;
}

FEDLINK_COMMAND("bench at-rest",
                "  fedlink bench at-rest [--persons 100000] [--seed 1] [--notable] [--nodedup]",
                "cost of encryption at rest: import, tag table, dedup; clear vs sealed, as ratios",
                {"persons", "seed", "table", "dedup"}, RunBenchAtRest);

}  // namespace
}  // namespace fedlink::cli
