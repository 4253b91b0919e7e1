#include "node/app/import.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/app/key_options.h"
#include "node/common/status_macros.h"

namespace fedlink::app {

absl::StatusOr<ImportReport> ImportRecords(Node& node, const ImportRequest& request) {
  RETURN_IF_ERROR(node.AuditLog().status());
  ImportReport report;
  importer::ImportOptions::Stats stats;
  importer::ImportOptions options = request.options;
  options.stats = &stats;
  audit::Event entry = LocalEvent("records.import");

  const absl::Time start = absl::Now();
  absl::StatusOr<std::vector<record::Person>> persons =
      importer::ReadPersonsFile(request.path, options);
  if (!persons.ok()) {
    entry.outcome = OutcomeOf(persons.status());  // file:line:field, never a value
    (void)node.Log(std::move(entry));             // the read error is what to report
    return persons.status();
  }
  absl::StatusOr<store::UpsertCounts> counts = node.records().Upsert(*persons);
  entry.outcome = OutcomeOf(counts.status());
  if (counts.ok()) {
    entry.count = persons->size();
    entry.detail = absl::StrCat(counts->inserted, " new, ", counts->updated, " updated");
  }
  RETURN_IF_ERROR(node.Log(std::move(entry)));
  RETURN_IF_ERROR(counts.status());
  report.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  report.records = persons->size();
  report.inserted = counts->inserted;
  report.updated = counts->updated;
  report.dropped_date_lines = std::move(stats.dropped_date_lines);
  ASSIGN_OR_RETURN(report.total, node.records().Count());
  if (request.quality) {
    report.quality = AssessDataQuality(*persons, KeyOptions(node.config()));
    // A dropped impossible date is a dob value that failed to parse.
    for (FieldQuality& f : report.quality->fields) {
      if (f.field != "dob") continue;
      f.present += report.dropped_date_lines.size();
      f.unusable += report.dropped_date_lines.size();
    }
  }
  return report;
}

}  // namespace fedlink::app
