#include "node/app/intake_record.h"

#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "node/common/status_macros.h"
#include "node/importer/importer.h"

namespace fedlink::app {
namespace {

// The import format's columns (docs/cli.md, "import").
const std::set<std::string>& CanonicalColumns() {
  static const auto* columns = new std::set<std::string>{
      "external_id", "role",    "given_name", "family_name", "aliases",         "dob",     "sex",
      "nationality", "phone",   "email",      "document",    "handle",          "iban",    "plate",
      "address",     "consent", "labels",     "officer",     "consent_expires", "language"};
  return *columns;
}

// RFC 4180: every field quoted, quotes doubled, so any value reads back as
// typed (the parser then applies the import's checks).
std::string Quoted(const std::string& value) {
  return absl::StrCat("\"", absl::StrReplaceAll(value, {{"\"", "\"\""}}), "\"");
}

}  // namespace

absl::StatusOr<IntakeRecordReport> AddIntakeRecord(Node& node, const IntakeRecordRequest& request) {
  RETURN_IF_ERROR(node.AuditLog().status());
  std::string header;
  std::string row;
  for (const auto& [column, value] : request.fields) {
    if (CanonicalColumns().count(column) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("intake form: unknown field ", column));
    }
    absl::StrAppend(&header, header.empty() ? "" : ",", column);
    absl::StrAppend(&row, row.empty() ? "" : ",", Quoted(value));
  }
  importer::ImportOptions options;
  options.format = "csv";
  audit::Event entry = LocalEvent("records.add");
  entry.official = request.actor.official;
  entry.legal_basis = request.actor.legal_basis;
  auto persons =
      importer::ParsePersons(absl::StrCat(header, "\n", row, "\n"), "intake form", options);
  absl::StatusOr<store::UpsertCounts> counts = absl::InvalidArgumentError("intake form: empty");
  if (!persons.ok()) {
    counts = persons.status();  // FORM:LINE: field: problem, never the value
  } else if (persons->size() != 1) {
    counts = absl::InvalidArgumentError("intake form: expected one person");
  } else {
    counts = node.records().Upsert(*persons);
  }
  entry.outcome = OutcomeOf(counts.status());
  if (counts.ok()) entry.count = 1;
  RETURN_IF_ERROR(node.Log(std::move(entry)));
  RETURN_IF_ERROR(counts.status());
  IntakeRecordReport report;
  report.inserted = counts->inserted == 1;
  ASSIGN_OR_RETURN(report.total, node.records().Count());
  return report;
}

}  // namespace fedlink::app
