#include "node/cli/flags.h"

#include <cstdint>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "node/cli/command.h"
#include "node/cli/key_source_flags.h"
#include "node/common/status_macros.h"
#include "node/importer/importer.h"

ABSL_FLAG(std::string, dir, "", "Node directory (created by `fedlink init`).");
ABSL_FLAG(std::string, out, "", "Output file.");
ABSL_FLAG(std::string, format, "",
          "Input format of import: csv or jsonl (default: from the file extension); "
          "output format of audit list: csv (default) or jsonl.");
ABSL_FLAG(std::string, map, "",
          "Column renames SRC=DST,... (e.g. rec_id=external_id,surname=family_name); "
          "unmapped source columns that are not canonical names are ignored.");
ABSL_FLAG(std::string, peer, "", "Peer node id.");
ABSL_FLAG(std::string, purpose, "", "Declared purpose, e.g. victim-dedup or perpetrator-link.");
ABSL_FLAG(uint64_t, seed, 1, "Random seed (deterministic output for a given seed).");
ABSL_FLAG(std::string, truth, "", "Truth CSV with the header id_a,id_b.");
ABSL_FLAG(std::string, region, "GB",
          "Default region (ISO 3166 alpha-2) for phone numbers without a "
          "country code.");
ABSL_FLAG(double, threshold, -1,
          "Score threshold in bits (default: 5 + log2 of the number of records "
          "matched against).");
ABSL_FLAG(std::string, handle, "",
          "An opaque record handle from a match result (owned by the node that "
          "issued it).");
ABSL_FLAG(int, persons, 1000, "Records per organisation.");
ABSL_FLAG(bool, one_to_one, false,
          "One-to-one assignment for a batch: each record in at most one match, greedy by "
          "score.");
ABSL_FLAG(std::string, scoring, "independent",
          "Scoring: independent (per-key weights, best per group) or patterns (the "
          "dependence-aware pattern model, node/match/pattern_model.h); bench linkage also "
          "takes hybrid (pattern-model m, value-frequency u).");
ABSL_FLAG(int, keyspec, 2, "Match-key catalogue: 1 or 2 (docs/linkage.md); peers must agree.");
ABSL_FLAG(std::string, legal_basis, "",
          "Case or legal-basis reference for the requests sent (both nodes log it).");
ABSL_FLAG(std::string, official, "",
          "Pseudonymous id of the official making the requests (both nodes log it).");
ABSL_FLAG(double, seconds, 1.0, "Seconds per measurement (benchmarks).");
ABSL_FLAG(int, threads, 0, "Threads (benchmarks; 0 = all cores).");
ABSL_FLAG(bool, refresh, false, "Fetch peers' tables even if cached.");
ABSL_FLAG(absl::Duration, max_table_age, absl::Minutes(10),
          "Refetch a cached peer table older than this.");
ABSL_FLAG(std::string, federation_key, "",
          "The coordinator's roster verifier key (printed by `fedlink "
          "federation init`); "
          "required at a node's first roster install, then pinned.");
ABSL_FLAG(std::string, a, "", "CSV for organisation A (import format; --map applies).");
ABSL_FLAG(std::string, b, "", "CSV for organisation B.");

namespace fedlink::cli {

absl::StatusOr<importer::ImportOptions> LinkageImportOptions() {
  importer::ImportOptions options;
  ASSIGN_OR_RETURN(options.column_map, importer::ParseColumnMap(absl::GetFlag(FLAGS_map)));
  options.default_role = record::Role::kOther;
  options.drop_bad_dates = true;  // keep the record, lose the impossible date
  return options;
}

app::Actor ActorFromFlags() {
  return {absl::GetFlag(FLAGS_official), absl::GetFlag(FLAGS_legal_basis)};
}

int WithNodeInDir(absl::string_view command, const app::OpenOptions& options,
                  absl::FunctionRef<int(app::Node&)> run) {
  auto key_source = KeySourceFromFlags();
  if (!key_source.ok()) return ReportError(command, key_source.status());
  app::OpenOptions with_key = options;
  with_key.key_source = *std::move(key_source);
  auto node = app::Node::Open(absl::GetFlag(FLAGS_dir), with_key);
  if (!node.ok()) return ReportError(command, node.status());
  return run(**node);
}

}  // namespace fedlink::cli
