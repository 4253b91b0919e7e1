// fedlink bench match: the private match end to end between real nodes on
// loopback, with the speed, quality, size and latency figures the
// private-matching goals ask for (node/app/bench_match.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "node/app/bench_match.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"

ABSL_FLAG(int, lookups, 200, "Single-record lookups to time (bench match).");

namespace fedlink::cli {
namespace {

int Fail(const absl::Status& status) { return ReportError("bench match", status); }

int RunBenchMatch(const std::vector<std::string>& args) {
  // Generated data, or the two organisations' files and the truth.
  app::BenchDataSource source;
  source.a = absl::GetFlag(FLAGS_a);
  source.b = absl::GetFlag(FLAGS_b);
  source.truth = absl::GetFlag(FLAGS_truth);
  source.persons = absl::GetFlag(FLAGS_persons);
  source.seed = absl::GetFlag(FLAGS_seed);
  if (!source.a.empty()) {
    auto options = LinkageImportOptions();
    if (!options.ok()) return Fail(options.status());
    source.import = *std::move(options);
  }
  auto data = app::LoadBenchData(source);
  if (!data.ok()) return Fail(data.status());
  const int cores = app::MatchBench::Cores();
  std::cout << "records: a=" << data->a.size() << " b=" << data->b.size()
            << " true_pairs=" << data->truth.size() << " cores=" << cores << "\n";
  auto bench = app::MatchBench::Start(*std::move(data), absl::GetFlag(FLAGS_keyspec));
  if (!bench.ok()) return Fail(bench.status());

  auto speed = (*bench)->MatchPrivately(absl::GetFlag(FLAGS_threshold));
  if (!speed.ok()) return Fail(speed.status());
  std::cout << absl::StrFormat(
      "raw libsodium (all %d cores busy): from_hash %.1f us, scalarmult %.1f "
      "us per "
      "core\n",
      cores, speed->from_hash_seconds * 1e6, speed->scalarmult_seconds * 1e6);
  std::cout << absl::StrFormat(
      "ec operations: table %d x (from_hash + scalarmult), match %d x "
      "(from_hash + "
      "3 scalarmult); at raw speed on %d cores: %.2fs\n",
      speed->table_entries, speed->evaluations, cores, speed->ec_seconds);
  std::cout << absl::StrFormat(
      "private match: table build+transfer %.2fs, match %.2fs, total %.2fs\n", speed->table_seconds,
      speed->match_seconds, speed->total_seconds);
  std::cout << absl::StrFormat("speed: total / ec_at_raw_speed = %.2f (goal <= 1.30)\n",
                               speed->ratio());

  auto quality = (*bench)->CompareWithClearLinkage();
  if (!quality.ok()) return Fail(quality.status());
  std::cout << "quality private: " << quality->private_match.Line() << "\n";
  std::cout << "quality clear:   " << quality->clear.Line() << "\n";
  std::cout << absl::StrFormat("quality: f1 difference %.4f (goal <= 0.01)\n",
                               quality->f1_difference());

  auto t = (*bench)->CachedTable();
  if (!t.ok()) return Fail(t.status());
  std::cout << absl::StrFormat(
      "table: %d records, %d entries, %.1f bytes/entry of tag+share, %.1f "
      "bytes/record "
      "of sealed payload, %.1f MiB; requester's index in memory %.1f MiB (goal "
      "< 64 MiB "
      "at 100,000)\n",
      t->records, t->entries, t->entries ? 1.0 * (t->bytes - t->payload_bytes) / t->entries : 0,
      t->records == 0 ? 0 : 1.0 * t->payload_bytes / t->records, t->bytes / 1048576.0,
      t->index_memory_bytes / 1048576.0);

  auto delta = (*bench)->ChangeOnePercent();
  if (!delta.ok()) return Fail(delta.status());
  std::cout << absl::StrFormat(
      "delta: %d of %d records changed: %s of %d slots (%.1f MiB) in %.2fs, "
      "against %.2fs "
      "for the whole table = %.3f\n",
      delta->changed_records, delta->records, delta->delta ? "delta" : "WHOLE TABLE", delta->slots,
      delta->bytes / 1048576.0, delta->seconds, delta->whole_table_seconds,
      delta->seconds / delta->whole_table_seconds);

  const int lookups = absl::GetFlag(FLAGS_lookups);
  auto latency = (*bench)->Lookups(lookups);
  if (!latency.ok()) return Fail(latency.status());
  if (latency->count > 0) {
    std::cout << absl::StrFormat(
        "lookup against 2 peers (cached tables, %d lookups): p50 %.2f ms, p99 "
        "%.2f ms "
        "(goal p99 < 10 ms)\n",
        latency->count, latency->p50_ms, latency->p99_ms);
  }
  const app::LatencyFigures floor = (*bench)->LookupFloor(lookups);
  if (floor.count > 0) {
    std::cout << absl::StrFormat(
        "lookup oprf work for one peer, in-process on 1 core (the floor): p50 "
        "%.2f ms, "
        "p99 %.2f ms\n",
        floor.p50_ms, floor.p99_ms);
  }
  auto buckets = (*bench)->BucketLookups(lookups);
  if (!buckets.ok()) return Fail(buckets.status());
  if (buckets->latency.count > 0) {
    std::cout << absl::StrFormat(
        "first lookup by buckets against 1 peer (no table; min_bucket_records %d, %d-bit "
        "prefixes, %d lookups): p50 %.2f ms, p99 %.2f ms (the first, building the peer's "
        "table: %.0f ms); %.0f of %d slots, %.0f bytes on the wire (max %d) against %.1f MiB "
        "for the whole table (goal < 1 s, < 1 MiB)\n",
        buckets->min_records, buckets->prefix_bits, buckets->latency.count + 1,
        buckets->latency.p50_ms, buckets->latency.p99_ms, buckets->first_ms, buckets->mean_slots,
        buckets->table_slots, buckets->mean_wire_bytes, buckets->max_wire_bytes,
        buckets->table_wire_bytes / 1048576.0);
  }
  return kExitOk;
}

FEDLINK_COMMAND("bench match",
                "  fedlink bench match [--persons N] [--seed S] [--lookups L] [--threshold "
                "BITS] [--keyspec 1|2]\n"
                "                      [--a A.csv --b B.csv --truth truth.csv [--map "
                "...]]\n\n"
                "Generates two organisations' records (`fedlink gen`), or reads them\n"
                "(--a, --b, --truth, as `bench linkage` does), runs real nodes on\n"
                "loopback (mutual TLS), privately matches B against A, and prints the\n"
                "speed ratio against the raw elliptic-curve operations, F1 of the private\n"
                "match and of the clear baseline, table size and memory, and lookup\n"
                "latency against two peers.",
                "private match benchmark: speed ratio, quality parity, memory, lookup p99",
                {"persons", "seed", "lookups", "threshold", "a", "b", "truth", "map", "keyspec"},
                RunBenchMatch);

}  // namespace
}  // namespace fedlink::cli
