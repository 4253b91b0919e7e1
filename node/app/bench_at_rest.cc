#include "node/app/bench_at_rest.h"

#include <stdlib.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/app/clear_linkage.h"
#include "node/app/import.h"
#include "node/app/node.h"
#include "node/app/own_keys.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/config/node_dir.h"
#include "node/importer/importer.h"
#include "node/match/generator.h"
#include "node/private_match/responder.h"

namespace fedlink::app {
namespace {

// Every record of the generator shared with NGO peers for "bench", as the
// example policies share victims.
constexpr char kPolicy[] = R"pb(
  purposes: "bench"
  rules {
    name: "bench"
    peers { role: NODE_ROLE_NGO }
    purpose: "bench"
    record_roles: [ ROLE_VICTIM, ROLE_SUSPECT, ROLE_WITNESS, ROLE_OTHER ]
    min_agreeing_keys: 2
    payload: PAYLOAD_HANDLE_AND_ROLE
    daily_evaluate_budget: 100000000
    daily_key_type_budget: 100000000
  }
)pb";

double Since(absl::Time start) { return absl::ToDoubleSeconds(absl::Now() - start); }

absl::StatusOr<AtRestRun> RunOne(const std::string& dir, const std::string& csv,
                                 const config::KeySource* key, const AtRestOptions& options,
                                 absl::string_view label) {
  config::NodeConfig c;
  c.node_id = std::string(label);
  c.organisation = std::string(label);
  RETURN_IF_ERROR(config::InitNode(dir, c, key));
  RETURN_IF_ERROR(common::WriteFileAtomically(common::NodePaths(dir).policy(), kPolicy));
  ASSIGN_OR_RETURN(std::unique_ptr<Node> node, Node::Open(dir));
  AtRestRun run;
  absl::Time start = absl::Now();
  ASSIGN_OR_RETURN(ImportReport imported, ImportRecords(*node, {.path = csv, .options = {}}));
  run.import_seconds = Since(start);
  const auto say = [&](const std::string& line) {
    if (options.progress) options.progress(absl::StrCat(label, ": ", line));
  };
  say(absl::StrCat("imported ", imported.records, " records in ", run.import_seconds, " s"));
  if (options.table) {
    ASSIGN_OR_RETURN(auto responder, OpenOwnResponder(node->opened()));
    start = absl::Now();
    ASSIGN_OR_RETURN(private_match::Table table,
                     responder->TableFor({"bench-peer", config::NodeRole::kNgo}, "bench"));
    run.table_seconds = Since(start);
    run.table_slots = table.slots.size();
    say(absl::StrCat("tag table of ", run.table_slots, " slots in ", run.table_seconds, " s"));
  }
  if (options.dedup) {
    start = absl::Now();
    ASSIGN_OR_RETURN(DedupReport dedup, FindDuplicates(*node, {}));
    run.dedup_seconds = Since(start);
    run.dedup_pairs = dedup.pairs.size();
    say(absl::StrCat("dedup: ", run.dedup_pairs, " pairs in ", run.dedup_seconds, " s"));
  }
  return run;
}

}  // namespace

absl::StatusOr<AtRestFigures> BenchAtRest(const AtRestOptions& options) {
  if (options.persons < 1) return absl::InvalidArgumentError("persons: at least 1");
  std::string tmpl = (std::filesystem::temp_directory_path() / "fedlink-at-rest.XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr)
    return absl::InternalError("cannot make a temporary directory");
  const std::string root = tmpl;
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{root};
  match::GeneratorOptions gen;
  gen.persons = options.persons;
  gen.seed = options.seed;
  match::GeneratedData data = match::GeneratePeople(gen);
  const std::string csv = root + "/records.csv";
  RETURN_IF_ERROR(common::WriteFileAtomically(csv, importer::PersonsToCsv(data.a)));
  AtRestFigures figures;
  figures.records = data.a.size();
  config::KeySource key;
  key.kind = config::KeySource::Kind::kKeyFile;
  key.path = root + "/bench.kek";
  // Alternating would be fairer still; one order keeps the bench short. The
  // clear node runs first, so a warmer cache favours the sealed one less
  // than the order suggests (the CSV is read by both).
  ASSIGN_OR_RETURN(figures.clear, RunOne(root + "/clear", csv, nullptr, options, "clear"));
  ASSIGN_OR_RETURN(figures.sealed, RunOne(root + "/sealed", csv, &key, options, "sealed"));
  if (figures.clear.table_slots != figures.sealed.table_slots ||
      figures.clear.dedup_pairs != figures.sealed.dedup_pairs) {
    return absl::InternalError("the sealed node gave other results than the clear one");
  }
  return figures;
}

}  // namespace fedlink::app
