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
  // Reads a piece of a larger file (SplitCsvRows) whose first physical line
  // is `first_line`; no byte-order mark is looked for.
  CsvReader(absl::string_view piece, int first_line);

  // Reads the next non-empty row into *fields. Returns false at the end of
  // input or on a syntax error (then status() says why).
  bool Next(std::vector<std::string>* fields);

  // The 1-based physical line on which the last row returned began.
  int line() const { return row_line_; }
  const absl::Status& status() const { return status_; }
  // The byte offset after the last row returned, and the physical line the
  // next row would begin on (for splitting the rest: SplitCsvRows).
  size_t position() const { return pos_; }
  int next_line() const { return current_line_; }

 private:
  absl::string_view text_;
  size_t pos_ = 0;
  int current_line_ = 1;
  int row_line_ = 0;
  absl::Status status_;
};

// A run of whole rows of a CSV file: bytes [begin, end), the first on
// physical line `first_line` (as CsvReader counts lines).
struct CsvPiece {
  size_t begin = 0;
  size_t end = 0;
  int first_line = 1;
};

// Splits text[begin, size) into pieces of about `piece_bytes` that start
// where a row starts, for parsing them in parallel: each cut is just after
// a line feed outside quoted fields. Reading the pieces in order with
// CsvReader(piece, first_line) gives the rows, line numbers and first error
// of one CsvReader over the whole text: a cut the quote count misplaces can
// only follow a quote CsvReader refuses in the piece before it. Text with a
// bare CR line end (counted as a line by CsvReader but not here) is one
// piece. `begin_line` is the physical line at `begin`.
std::vector<CsvPiece> SplitCsvRows(absl::string_view text, size_t begin, int begin_line,
                                   size_t piece_bytes);

}  // namespace fedlink::importer

#endif  // FEDLINK_NODE_IMPORTER_CSV_READER_H_
