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
  // Without a quality report (which needs every record at once) the file
  // is read piece by piece into the store's transaction.
  std::vector<record::Person> persons;
  absl::StatusOr<store::UpsertCounts> counts;
  if (request.quality) {
    absl::StatusOr<std::vector<record::Person>> read =
        importer::ReadPersonsFile(request.path, options);
    if (read.ok()) persons = *std::move(read);
    counts = read.ok() ? node.records().Upsert(persons) : read.status();
  } else {
    absl::StatusOr<std::unique_ptr<importer::PersonsReader>> reader =
        importer::PersonsReader::Open(request.path, options);
    counts = reader.ok() ? node.records().UpsertStream([&](std::vector<record::Person>* batch) {
      return (*reader)->Next(batch);
    })
                         : reader.status();
  }
  entry.outcome = OutcomeOf(counts.status());  // file:line:field, never a value
  if (!counts.ok()) {
    (void)node.Log(std::move(entry));  // the import's error is what to report
    return counts.status();
  }
  entry.count = counts->inserted + counts->updated;
  entry.detail = absl::StrCat(counts->inserted, " new, ", counts->updated, " updated");
  RETURN_IF_ERROR(node.Log(std::move(entry)));
  report.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  report.records = counts->inserted + counts->updated;
  report.inserted = counts->inserted;
  report.updated = counts->updated;
  report.dropped_date_lines = std::move(stats.dropped_date_lines);
  ASSIGN_OR_RETURN(report.total, node.records().Count());
  if (request.quality) {
    report.quality = AssessDataQuality(persons, KeyOptions(node.config()));
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
