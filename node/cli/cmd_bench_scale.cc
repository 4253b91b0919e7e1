// fedlink bench scale: costs against a responder's store size and the number
// of peers, on real nodes in one process (node/app/bench_scale.h); one
// plain-table row per (size, peers), documented in docs/cli.md.
#include <iostream>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "node/app/bench_scale.h"
#include "node/app/bench_table_cache.h"
#include "node/cli/command.h"
#include "node/cli/flag_errors.h"
#include "node/cli/flags.h"

ABSL_FLAG(std::string, sizes, "100k,300k,1M",
          "bench scale: the responder's store sizes, comma-separated (k = 1000, M = 1000000).");
ABSL_FLAG(std::string, peers, "1,5,20", "bench scale: peer counts, comma-separated (1 to 50).");
ABSL_FLAG(std::string, cache_records, "",
          "bench scale: measure only the requester's table cache, with tables of this many "
          "records (k, M suffixes).");
ABSL_FLAG(int, cache_tables, 20, "bench scale: cached tables for --cache-records (1 to 100).");
ABSL_DECLARE_FLAG(int, lookups);

namespace fedlink::cli {
namespace {

int Fail(const absl::Status& status) { return ReportError("bench scale", status); }

// --cache-records: the requester's paged cache against the in-memory index.
int RunCacheBench() {
  auto records = app::ParseCounts(absl::GetFlag(FLAGS_cache_records), "--cache-records");
  if (!records.ok()) return Fail(records.status());
  if (records->size() != 1) {
    return Fail(absl::InvalidArgumentError("--cache-records takes one count"));
  }
  app::TableCacheBenchOptions options;
  options.records = records->front();
  options.tables = absl::GetFlag(FLAGS_cache_tables);
  options.lookups = absl::GetFlag(FLAGS_lookups);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.progress = [](const std::string& line) { std::cerr << line << std::endl; };
  auto r = app::RunTableCacheBench(options);
  if (!r.ok()) return Fail(r.status());
  std::cout << absl::StrFormat(
      "cache of %d synthetic tables, %d records and %d entries each, written straight into the "
      "cache format (%.1f MiB a file, %.1f s to write one)\n",
      r->tables, r->records, r->entries, r->file_bytes / 1048576.0, r->write_seconds);
  std::cout << absl::StrFormat("%-6s %13s %13s %10s %10s\n", "store", "KiB_per_table", "MiB_all",
                               "p50_ms", "p99_ms");
  std::cout << absl::StrFormat("%-6s %13.1f %13.1f %10.3f %10.3f\n", "paged",
                               r->paged_memory_bytes / 1024.0, r->paged_rss_bytes / 1048576.0,
                               r->paged_p50_ms, r->paged_p99_ms);
  // The same paged tables looked up the ways before (same run, same intakes).
  std::cout << absl::StrFormat("%-6s %13s %13s %10.3f %10.3f  (filters, one table at a time)\n",
                               "serial", "", "", r->serial_p50_ms, r->serial_p99_ms);
  std::cout << absl::StrFormat("%-6s %13s %13s %10.3f %10.3f  (no filters, one table at a time)\n",
                               "before", "", "", r->nofilter_p50_ms, r->nofilter_p99_ms);
  std::cout << absl::StrFormat(
      "A pages opened per table per lookup: %.2f with the filters, %.2f without\n",
      r->paged_a_pages, r->nofilter_a_pages);
  std::cout << absl::StrFormat("opening one table (its header): p50 %.2f ms, p99 %.2f ms\n",
                               r->open_p50_ms, r->open_p99_ms);
  std::cout << absl::StrFormat(
      "opening table 0 and a copy without filters in turn: p50 %.2f ms with, %.2f ms without "
      "(CPU %.2f ms with, %.2f ms without)\n",
      r->open_again_p50_ms, r->open_unfiltered_p50_ms, r->open_again_cpu_ms,
      r->open_unfiltered_cpu_ms);
  std::cout << absl::StrFormat(
      "%-6s %13.1f %13.1f %10.3f %10.3f\n", "memory", r->index_memory_bytes / 1024.0,
      r->index_memory_bytes * double(r->tables) / 1048576.0, r->index_p50_ms, r->index_p99_ms);
  const auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  std::cout << absl::StrFormat("paged/memory: memory %.5f, p50 %.2f, p99 %.2f\n",
                               ratio(double(r->paged_memory_bytes), double(r->index_memory_bytes)),
                               ratio(r->paged_p50_ms, r->index_p50_ms),
                               ratio(r->paged_p99_ms, r->index_p99_ms));
  std::cout << absl::StrFormat("process resident with %d paged tables open: %.1f MiB\n", r->tables,
                               r->process_rss_bytes / 1048576.0);
  std::cout << absl::StrFormat("hits %d of %d lookups\n", r->hits, options.lookups);
  return kExitOk;
}

int RunBenchScale(const std::vector<std::string>& args) {
  if (!args.empty()) return Fail(absl::InvalidArgumentError("unexpected argument"));
  if (!absl::GetFlag(FLAGS_cache_records).empty()) return RunCacheBench();
  app::ScaleOptions options;
  auto sizes = app::ParseCounts(absl::GetFlag(FLAGS_sizes), "--sizes");
  if (!sizes.ok()) return Fail(sizes.status());
  auto peers = app::ParseCounts(absl::GetFlag(FLAGS_peers), "--peers");
  if (!peers.ok()) return Fail(peers.status());
  options.sizes = *std::move(sizes);
  options.peers = *std::move(peers);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.lookups = absl::GetFlag(FLAGS_lookups);
  options.progress = [](const std::string& line) { std::cerr << line << std::endl; };
  auto rows = app::RunScaleBench(options);
  if (!rows.ok())
    return Fail(NameFlags(rows.status(), {{"sizes", "--sizes"}, {"peers", "--peers"}}));
  std::cout << absl::StrFormat(
      "%8s %5s %9s %8s %8s %8s %9s %8s %9s %9s %9s %8s %7s %7s %8s %8s %8s %8s\n", "records",
      "peers", "import/s", "build_s", "ec_s", "build/ec", "fetches_s", "fetch/bd", "evals",
      "table_MiB", "index_MiB", "delta_s", "d_evals", "batch", "batch_s", "p50_ms", "p99_ms",
      "cpu_s/f");
  for (const app::ScaleRow& r : *rows) {
    std::cout << absl::StrFormat(
        "%8d %5d %9.0f %8.2f %8.2f %8.2f %9.2f %8.2f %9d %9.1f %9.1f %8.3f %7d %7d %8.2f %8.2f "
        "%8.2f %8.3f\n",
        r.records, r.peers, r.import_rows_per_second, r.build_seconds, r.ec_bound_seconds,
        r.build_ratio(), r.fetch_seconds, r.fetches_over_build(), r.evaluations,
        r.table_bytes / 1048576.0, r.index_bytes / 1048576.0, r.delta_seconds, r.delta_evaluations,
        r.batch_records, r.batch_seconds, r.lookup_p50_ms, r.lookup_p99_ms,
        r.responder_cpu_seconds_per_fetch);
  }
  if (!rows->empty()) std::cout << "cores " << rows->front().cores << "\n";
  return kExitOk;
}

FEDLINK_COMMAND("bench scale",
                "  fedlink bench scale [--sizes 100k,300k,1M] [--peers 1,5,20] [--lookups L] "
                "[--seed S]\n"
                "  fedlink bench scale --cache-records 1M [--cache-tables 20] [--lookups L]\n\n"
                "Per store size, a responder and max(--peers) peer nodes in one process over\n"
                "loopback mutual TLS; one row per (size, peers). With --cache-records: only the\n"
                "requester's paged table cache against the in-memory index, on synthetic tables.\n"
                "Columns: docs/cli.md.",
                "costs against store size and number of peers, as a table",
                {"sizes", "peers", "lookups", "seed", "cache_records", "cache_tables"},
                RunBenchScale);

}  // namespace
}  // namespace fedlink::cli
