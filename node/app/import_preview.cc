#include "node/app/import_preview.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"
#include "node/importer/importer.h"

namespace fedlink::app {
namespace {

absl::StatusOr<std::vector<record::Person>> Parse(absl::string_view text, absl::string_view name) {
  importer::ImportOptions options;
  options.format =
      absl::EndsWith(name, ".jsonl") || absl::EndsWith(name, ".json") ? "jsonl" : "csv";
  return importer::ParsePersons(text, name, options);
}

absl::StatusOr<ImportPreview> Count(Node& node, const std::vector<record::Person>& persons) {
  ImportPreview preview;
  preview.records = persons.size();
  for (const record::Person& p : persons) {
    ASSIGN_OR_RETURN(const std::optional<record::Person> existing,
                     node.records().Get(p.external_id));
    ++(existing.has_value() ? preview.updated : preview.inserted);
  }
  ASSIGN_OR_RETURN(preview.total, node.records().Count());
  return preview;
}

}  // namespace

absl::StatusOr<ImportPreview> PreviewImport(Node& node, absl::string_view text,
                                            absl::string_view name) {
  ASSIGN_OR_RETURN(const std::vector<record::Person> persons, Parse(text, name));
  return Count(node, persons);
}

absl::StatusOr<ImportPreview> ImportText(Node& node, absl::string_view text, absl::string_view name,
                                         const Actor& actor) {
  RETURN_IF_ERROR(node.AuditLog().status());
  audit::Event entry = LocalEvent("records.import");
  entry.official = actor.official;
  entry.legal_basis = actor.legal_basis;
  absl::StatusOr<std::vector<record::Person>> persons = Parse(text, name);
  absl::StatusOr<store::UpsertCounts> counts = absl::InternalError("not imported");
  if (persons.ok()) {
    counts = node.records().Upsert(*persons);
  } else {
    counts = persons.status();  // NAME:LINE: field: problem, never the value
  }
  entry.outcome = OutcomeOf(counts.status());
  if (counts.ok()) {
    entry.count = persons->size();
    entry.detail = absl::StrCat(counts->inserted, " new, ", counts->updated, " updated");
  }
  RETURN_IF_ERROR(node.Log(std::move(entry)));
  RETURN_IF_ERROR(counts.status());
  ImportPreview done;
  done.records = persons->size();
  done.inserted = counts->inserted;
  done.updated = counts->updated;
  ASSIGN_OR_RETURN(done.total, node.records().Count());
  return done;
}

}  // namespace fedlink::app
