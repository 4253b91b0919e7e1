// `fedlink bench scale`: how fedlink's costs grow with the size of a
// responder's store and with the number of peers, on real nodes (node
// directories, SQLite stores, policy, the Match service over mutual-TLS gRPC
// on loopback), all in one process (nodes are not separate processes: on
// one machine that would only add scheduling noise; the bytes still cross
// loopback TLS). Per store size it:
//  - generates that many records for the responder `a` and imports them
//    through the import use case (rows/s);
//  - starts `a` and max(peers) peer nodes p1..pN (each with a small store of
//    its own) in one signed roster;
//  - has every peer fetch a's table in turn: the first fetch builds it
//    (against its elliptic-curve bound: the raw libsodium time of the same
//    evaluations, measured in the same run, spread over the cores), the
//    others are served from the same evaluations (build once, serve many);
//  - measures what p1 holds (table bytes on the wire, the resident index),
//    a delta after 1% of a's records change, a batch match, and lookups of
//    one intake against all peers at once (a and p2..pP, cached tables);
//  - the responder's CPU time for one more peer's table (in-process call,
//    so no requester work is counted).
// Tooling, not a use case: a temporary directory, removed afterwards.
//
//   ScaleOptions options;
//   options.sizes = {2000};
//   options.peers = {1, 5};
//   ASSIGN_OR_RETURN(std::vector<ScaleRow> rows, RunScaleBench(options));
#ifndef FEDLINK_NODE_APP_BENCH_SCALE_H_
#define FEDLINK_NODE_APP_BENCH_SCALE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace fedlink::app {

struct ScaleOptions {
  std::vector<int> sizes = {100'000, 300'000, 1'000'000};  // a's records
  std::vector<int> peers = {1, 5, 20};
  uint64_t seed = 1;
  int peer_records = 300;  // each peer's own store (lookups hit them too)
  int batch = 1000;        // records of a batch match
  int lookups = 100;       // single-intake lookups timed per row
  std::function<void(const std::string&)> progress = nullptr;
};

// One row per (size, peers). Size-wide figures repeat on each row.
struct ScaleRow {
  int records = 0;  // a's store
  int peers = 0;
  int cores = 0;
  double import_rows_per_second = 0;
  // The first fetch: table build + transfer + the peer's checks.
  size_t table_entries = 0;
  double build_seconds = 0;
  double ec_bound_seconds = 0;  // entries * (from_hash + scalarmult) / cores
  double build_ratio() const { return ec_bound_seconds > 0 ? build_seconds / ec_bound_seconds : 0; }
  // `peers` fetches in turn, the first included: cost over one build.
  double fetch_seconds = 0;
  double fetches_over_build() const {
    return build_seconds > 0 ? fetch_seconds / build_seconds : 0;
  }
  uint64_t evaluations = 0;  // OPRF evaluations a made for them
  size_t table_bytes = 0;    // entries + sealed payloads, as sent
  size_t index_bytes = 0;    // p1's resident index of a's table
  // 1% of a's records change; p1 fetches the delta.
  double delta_seconds = 0;
  uint64_t delta_evaluations = 0;
  size_t delta_slots = 0;
  // p1 matches `batch` records against a's table.
  int batch_records = 0;
  double batch_seconds = 0;
  // One intake against a and p2..pP at once, tables cached.
  double lookup_p50_ms = 0, lookup_p99_ms = 0;
  // a's CPU (user + system) for one more peer's table, warm.
  double responder_cpu_seconds_per_fetch = 0;
};

absl::StatusOr<std::vector<ScaleRow>> RunScaleBench(const ScaleOptions& options);

// Parses "100k,300k,1M,2000" (k = 1,000, M = 1,000,000), each >= 1.
absl::StatusOr<std::vector<int>> ParseCounts(const std::string& text, const std::string& flag);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_BENCH_SCALE_H_
