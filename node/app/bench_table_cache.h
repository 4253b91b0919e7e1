// `fedlink bench scale --cache-records N --cache-tables T`: the requester's
// memory and lookup latency with T cached peer tables of N records each,
// paged on disk (private_match/paged_table.h) against the in-memory index
// (TableIndex) the requester held before, in the same run.
//
// The tables are synthetic: N slots of `keys` random tag/share entries and
// a random `payload`-byte sealed payload each (the sizes of a real table:
// about 12 entries and 71 bytes a record), written straight into the cache
// format under a fresh data key; building real 1M-record tables over OPRF
// takes an hour on two cores and is measured by the rows of bench scale.
// One table is generated and written T times (T files, each with its own
// file id and subkey). A lookup is one intake's keys (the tags of one
// slot of one table) looked up in every table: the table part of a lookup
// (the OPRF round trip is the same either way), timed warm, three ways in
// turn for each intake: the pages' filters ignored and the tables one
// after another (the way before the filters), with the filters one after
// another, and with the filters on every core (common::ParallelFor, as a
// lookup asks its peers concurrently).
// Tooling, not a use case: a temporary directory, removed afterwards.
#ifndef FEDLINK_NODE_APP_BENCH_TABLE_CACHE_H_
#define FEDLINK_NODE_APP_BENCH_TABLE_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"

namespace fedlink::app {

struct TableCacheBenchOptions {
  int records = 1'000'000;  // per table
  int tables = 20;
  int keys = 12;       // entries per record
  int payload = 71;    // sealed payload bytes per record
  int lookups = 1000;  // intakes, each against every table
  uint64_t seed = 1;
  std::string dir;  // scratch parent ("" = $TMPDIR or /tmp)
  std::function<void(const std::string&)> progress = nullptr;
};

struct TableCacheBenchResult {
  int records = 0, tables = 0;
  size_t entries = 0;             // per table
  size_t file_bytes = 0;          // one paged file
  double write_seconds = 0;       // one file, from a table in memory
  size_t paged_memory_bytes = 0;  // per table: PagedTable::memory_bytes
  int64_t paged_rss_bytes = 0;    // resident growth for all T open tables, after the lookups
  int64_t process_rss_bytes = 0;  // the whole process then (binary, libraries, T tables)
  size_t index_memory_bytes = 0;  // one TableIndex of the same table
  int64_t index_rss_bytes = 0;    // resident growth for building it
  // One intake against all T tables (ms), warm: with the pages' filters,
  // on every core; with them, one table after another; without them, one
  // after another.
  double paged_p50_ms = 0, paged_p99_ms = 0;
  double serial_p50_ms = 0, serial_p99_ms = 0;
  double nofilter_p50_ms = 0, nofilter_p99_ms = 0;
  // Opening one table (its header: fences and filters read and opened), as
  // a `lookup` process does for each peer: the median and the p99 of T.
  double open_p50_ms = 0, open_p99_ms = 0;
  // Table 0 and a copy of it without the pages' filters, opened 7 times
  // each in turn: the medians.
  double open_again_p50_ms = 0, open_unfiltered_p50_ms = 0;
  double open_again_cpu_ms = 0, open_unfiltered_cpu_ms = 0;  // the same, CPU time
  // A pages opened per table per intake, with and without the filters.
  double paged_a_pages = 0, nofilter_a_pages = 0;
  double index_p50_ms = 0, index_p99_ms = 0;  // the same against T in-memory lookups
  size_t hits = 0;  // slots found by the paged lookups (each intake hits one)
};

absl::StatusOr<TableCacheBenchResult> RunTableCacheBench(const TableCacheBenchOptions& options);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_BENCH_TABLE_CACHE_H_
