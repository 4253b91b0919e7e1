// RFC 4180 CSV reading with physical line numbers, for import files.
#ifndef FEDLINK_NODE_IMPORTER_CSV_READER_H_
#define FEDLINK_NODE_IMPORTER_CSV_READER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace fedlink::importer {

// Splits CSV text into rows of fields. Handles quoted fields (with "" escapes
// and embedded separators or newlines), LF and CRLF line ends, and a UTF-8
// byte-order mark at the start.
//
// Thread-compatible. Example:
//   CsvReader reader(text);
//   std::vector<std::string> row;
//   while (reader.Next(&row)) { ... reader.line() ... }
//   if (!reader.status().ok()) ...
class CsvReader {
 public:
  explicit CsvReader(absl::string_view text);

  // Reads the next non-empty row into *fields. Returns false at the end of
  // input or on a syntax error (then status() says why).
  bool Next(std::vector<std::string>* fields);

  // The 1-based physical line on which the last row returned began.
  int line() const { return row_line_; }
  const absl::Status& status() const { return status_; }

 private:
  absl::string_view text_;
  size_t pos_ = 0;
  int current_line_ = 1;
  int row_line_ = 0;
  absl::Status status_;
};

}  // namespace fedlink::importer

#endif  // FEDLINK_NODE_IMPORTER_CSV_READER_H_
