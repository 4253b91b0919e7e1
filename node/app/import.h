// Importing person records into the node's store: all or nothing, upserting
// by external_id, with an access-log entry (records.import) for every
// attempt, successful or not.
//
//   ImportRequest request{.path = "intake.csv"};
//   ASSIGN_OR_RETURN(ImportReport report, ImportRecords(node, request));
//
// Errors name the file, line and field, never the value (importer.h).
#ifndef FEDLINK_NODE_APP_IMPORT_H_
#define FEDLINK_NODE_APP_IMPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/app/data_quality.h"
#include "node/app/node.h"
#include "node/importer/importer.h"

namespace fedlink::app {

struct ImportRequest {
  std::string path;                 // CSV or JSONL
  importer::ImportOptions options;  // its `stats` is ignored: see ImportReport
  bool quality = false;             // also assess the records' data quality
};

struct ImportReport {
  size_t records = 0;  // read from the file
  uint64_t inserted = 0;
  uint64_t updated = 0;
  uint64_t total = 0;                   // records the node holds now
  std::vector<int> dropped_date_lines;  // with options.drop_bad_dates
  double seconds = 0;                   // reading and storing
  // With ImportRequest::quality: the data-quality report of the imported
  // records (data_quality.h), dropped dates counted as unusable dob values.
  std::optional<DataQuality> quality;
};

// Reads the whole file, then stores every record in one transaction. A bad
// row fails the import (InvalidArgument "FILE:LINE: field: problem") and
// nothing is stored. Refused before reading if the access log does not
// verify; an import whose entry cannot be written is reported as failed.
// The node must be opened with its identity.
absl::StatusOr<ImportReport> ImportRecords(Node& node, const ImportRequest& request);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_IMPORT_H_
