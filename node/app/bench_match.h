// `fedlink bench match`: the private match end to end between real nodes
// (node directories, SQLite stores, policy, mutual-TLS gRPC on loopback, all
// in one process), with every figure the private-matching goals ask for,
// measured in the same run:
//  - speed: wall time of table build + transfer + match, against the time
//    of the elliptic-curve operations it performs (counted, and priced with
//    the raw libsodium operations timed here, spread over the cores);
//  - quality: F1 of the private match and of the clear baseline (`bench
//    linkage`) on the same records;
//  - memory and wire size of the requester's cached table, and a delta;
//  - lookup latency (p50/p99) of one intake against two peers with cached
//    tables, and the in-process floor of that latency.
//
// The stages run in order, so a caller can report each as it comes:
//
//   ASSIGN_OR_RETURN(GeneratedData data, app::LoadBenchData(source));
//   ASSIGN_OR_RETURN(auto bench, app::MatchBench::Start(std::move(data)));
//   ASSIGN_OR_RETURN(app::SpeedFigures speed, bench->MatchPrivately(-1));
//   ASSIGN_OR_RETURN(app::QualityFigures quality,
//   bench->CompareWithClearLinkage()); app::TableFigures table =
//   bench->CachedTable(); ASSIGN_OR_RETURN(app::DeltaFigures delta,
//   bench->ChangeOnePercent()); ASSIGN_OR_RETURN(app::LatencyFigures lookups,
//   bench->Lookups(200)); app::LatencyFigures floor = bench->LookupFloor(200);
//
// Tooling, not a use case of a node: it builds its own federation in a
// temporary directory (removed when the bench is destroyed) and touches no
// existing node. Not thread-safe.
#ifndef FEDLINK_NODE_APP_BENCH_MATCH_H_
#define FEDLINK_NODE_APP_BENCH_MATCH_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "node/importer/importer.h"
#include "node/match/evaluation.h"
#include "node/match/generator.h"

namespace fedlink::app {

// Two organisations' records and the truth: read from files (import
// format, as `bench linkage` reads them) if `a` is set, else generated.
struct BenchDataSource {
  std::string a{}, b{}, truth{};
  importer::ImportOptions import{};  // for a and b
  int persons = 1000;                // generated: records per organisation
  uint64_t seed = 1;
};
absl::StatusOr<match::GeneratedData> LoadBenchData(const BenchDataSource& source);

struct SpeedFigures {
  int cores = 0;
  // Raw libsodium cost per call on one core, with every core busy.
  double from_hash_seconds = 0;   // crypto_core_ristretto255_from_hash
  double scalarmult_seconds = 0;  // crypto_scalarmult_ristretto255
  size_t table_entries = 0;       // each: from_hash + scalarmult at the responder
  size_t evaluations = 0;         // each: from_hash + 3 scalarmult in all
  double ec_seconds = 0;          // those operations at raw speed on every core
  double table_seconds = 0;       // table build + transfer
  double match_seconds = 0;
  double total_seconds = 0;                                    // both, end to end
  double ratio() const { return total_seconds / ec_seconds; }  // goal <= 1.30
};

struct QualityFigures {
  match::Quality private_match;
  match::Quality clear;          // the clear baseline on the same records
  double f1_difference() const;  // goal <= 0.01
};

struct TableFigures {
  size_t records = 0;             // slots
  size_t entries = 0;             // tag + share pairs
  size_t bytes = 0;               // on the wire
  size_t payload_bytes = 0;       // sealed payloads
  size_t index_memory_bytes = 0;  // the requester's index
};

struct DeltaFigures {
  size_t changed_records = 0;
  size_t records = 0;
  bool delta = false;  // false: the peer sent the whole table
  size_t slots = 0;
  size_t bytes = 0;
  double seconds = 0;
  double whole_table_seconds = 0;  // the first fetch, for comparison
};

struct LatencyFigures {
  size_t count = 0;  // none: no figures
  double p50_ms = 0;
  double p99_ms = 0;
};

// A first lookup without the whole table (bucket lookups): b has no table
// of a and asks for the buckets of the intake's tags only.
struct BucketFigures {
  LatencyFigures latency;  // probe + evaluate + buckets, end to end
  double first_ms = 0;     // the very first, with a's table built for it
  int prefix_bits = 0;
  uint32_t min_records = 0;    // the bench policy's min_bucket_records
  size_t table_slots = 0;      // a's whole table
  double mean_slots = 0;       // fetched per lookup
  double mean_wire_bytes = 0;  // probe, evaluation and buckets, both ways
  size_t max_wire_bytes = 0;
  size_t table_wire_bytes = 0;  // the whole table, for comparison
};

class MatchBench {
 public:
  // Cores the bench counts with (and the match uses).
  static int Cores();
  // Three nodes in a signed roster on loopback, each serving the Match
  // service: a and c hold data.a, b holds data.b and asks.
  // `keyspec`: the version every node of the bench speaks (1 or 2).
  static absl::StatusOr<std::unique_ptr<MatchBench>> Start(match::GeneratedData data,
                                                           int keyspec = 1);
  ~MatchBench();
  MatchBench(const MatchBench&) = delete;
  MatchBench& operator=(const MatchBench&) = delete;

  // b privately matches every record against a's table, timed end to end;
  // raw operation costs are measured before and after (the faster figure,
  // so the ratio errs against us). `threshold` < 0: the default.
  absl::StatusOr<SpeedFigures> MatchPrivately(double threshold);
  // The stages below need MatchPrivately first (FailedPrecondition).
  absl::StatusOr<QualityFigures> CompareWithClearLinkage();
  absl::StatusOr<TableFigures> CachedTable() const;
  // 1% of a's records change (a new phone each); b fetches only what changed.
  absl::StatusOr<DeltaFigures> ChangeOnePercent();
  // `count` lookups (at most one per record of b) of one intake against a
  // and c at once, with cached tables.
  absl::StatusOr<LatencyFigures> Lookups(int count);
  // `count` first lookups of one intake against a by buckets (no table).
  absl::StatusOr<BucketFigures> BucketLookups(int count);
  // The same OPRF work in-process with no network, signatures or storage.
  LatencyFigures LookupFloor(int count);

  struct State;

 private:
  explicit MatchBench(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_BENCH_MATCH_H_
