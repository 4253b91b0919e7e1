#include "node/app/edit_record.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "node/common/status_macros.h"
#include "node/importer/csv_reader.h"
#include "node/importer/importer.h"

namespace fedlink::app {
namespace {

std::string Quoted(const std::string& value) {
  return absl::StrCat("\"", absl::StrReplaceAll(value, {{"\"", "\"\""}}), "\"");
}

// The record as one import row (header, values), re-read from its CSV form.
absl::Status RecordRow(const record::Person& p, std::vector<std::string>* header,
                       std::vector<std::string>* row) {
  const std::string csv = importer::PersonsToCsv({p});
  importer::CsvReader reader(csv);
  if (!reader.Next(header) || !reader.Next(row) || header->size() != row->size()) {
    return absl::InternalError("the record does not read back as one import row");
  }
  return absl::OkStatus();
}

absl::StatusOr<FieldEditReport> Edit(Node& node, const FieldEdit& edit) {
  const std::vector<std::string>& fields = EditableFields();
  if (std::find(fields.begin(), fields.end(), edit.field) == fields.end()) {
    return absl::InvalidArgumentError(
        "edit form: field: not a field that can be changed (the record id cannot be)");
  }
  ASSIGN_OR_RETURN(const std::optional<record::Person> existing,
                   node.records().Get(edit.external_id));
  if (!existing.has_value()) return absl::NotFoundError("no record with that id");
  std::vector<std::string> header, row;
  RETURN_IF_ERROR(RecordRow(*existing, &header, &row));
  std::string text;
  for (size_t i = 0; i < header.size(); ++i) {
    absl::StrAppend(&text, i == 0 ? "" : ",", header[i]);
  }
  absl::StrAppend(&text, "\n");
  for (size_t i = 0; i < header.size(); ++i) {
    absl::StrAppend(&text, i == 0 ? "" : ",",
                    Quoted(header[i] == edit.field ? edit.value : row[i]));
  }
  absl::StrAppend(&text, "\n");
  importer::ImportOptions options;
  options.format = "csv";
  ASSIGN_OR_RETURN(const std::vector<record::Person> persons,
                   importer::ParsePersons(text, "edit form", options));
  if (persons.size() != 1 || persons[0].external_id != existing->external_id) {
    return absl::InternalError("edit form: the record did not read back as itself");
  }
  FieldEditReport report;
  report.changed = !(persons[0] == *existing);
  if (report.changed) RETURN_IF_ERROR(node.records().Upsert(persons).status());
  return report;
}

}  // namespace

const std::vector<std::string>& EditableFields() {
  static const auto* fields = [] {
    auto* out = new std::vector<std::string>(importer::CanonicalColumns());
    out->erase(std::remove(out->begin(), out->end(), "external_id"), out->end());
    return out;
  }();
  return *fields;
}

absl::StatusOr<FieldEditReport> EditRecordField(Node& node, const FieldEdit& edit) {
  RETURN_IF_ERROR(node.AuditLog().status());
  absl::StatusOr<FieldEditReport> report = Edit(node, edit);
  audit::Event entry = LocalEvent("records.edit");
  entry.official = edit.actor.official;
  entry.legal_basis = edit.actor.legal_basis;
  entry.outcome = OutcomeOf(report.status());
  const std::vector<std::string>& fields = EditableFields();
  // The field's name only if it is one (a typed name may hold anything).
  entry.detail = std::find(fields.begin(), fields.end(), edit.field) != fields.end()
                     ? absl::StrCat("field ", edit.field)
                     : "field (unknown)";
  if (report.ok() && report->changed) entry.count = 1;
  RETURN_IF_ERROR(node.Log(std::move(entry)));
  return report;
}

}  // namespace fedlink::app
