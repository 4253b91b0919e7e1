// The one writer of every CSV fedlink produces: match and lookup results,
// dedup pairs, `records list` (the import format, read back by
// node/importer/csv_reader.h) and `audit list`.
//
// Format (RFC 4180, LF line ends): a header row, then one row per call of
// EndRow(). A field is written as it is unless it contains a comma, a double
// quote, CR or LF; then it is enclosed in
// double quotes and each quote inside is doubled. Before quoting, every
// value passes through EscapeForDisplay (node/common/safe_text.h): control
// characters (C0 including CR, LF and TAB, DEL, C1), malformed UTF-8 and
// bidirectional/line-separator controls are written as "\xNN" or "\uNNNN"
// escapes, so a row is always exactly one line, and no field can move the
// cursor, recolour a terminal or forge a row. A value containing such a
// character therefore does not read back byte for byte (it reads back with
// the escape); fedlink's own importer accepts no such characters anyway.
//
// Formula injection: a spreadsheet evaluates a cell that starts with "=",
// "+", "-" or "@" (e.g. =HYPERLINK(...)). Field() treats its value as text
// chosen by someone else (a peer, an audit export) and prefixes such a value
// with a single quote ('), which spreadsheets take as "this is text" and
// show without it. OwnField() does not: it is for the node's own data that
// must read back unchanged (`records list` is re-imported, and phone numbers
// start with "+"), and for numbers fedlink formats itself (a score may be
// negative). Values the guard prefixes are never ordinary: peer ids,
// handles, roles, purposes and officers start with a letter or digit.
//
// Not thread-safe; one writer per output. Example:
//   common::CsvWriter csv({"peer", "handle", "score"});
//   for (const Candidate& c : candidates) {
//     csv.Field(c.peer).Field(c.handle).Number(c.score).EndRow();
//   }
//   std::cout << csv.text();
#ifndef FEDLINK_NODE_COMMON_CSV_WRITER_H_
#define FEDLINK_NODE_COMMON_CSV_WRITER_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace fedlink::common {

enum class CsvQuoting {
  kAsNeeded,  // only when RFC 4180 requires it
  kAlways,    // always (keeps columns that were always quoted byte for byte)
};

// One field as CsvWriter writes it (escaped, formula-guarded if `untrusted`,
// quoted as needed or always), without a separator.
std::string CsvField(absl::string_view value, bool untrusted,
                     CsvQuoting quoting = CsvQuoting::kAsNeeded);

class CsvWriter {
 public:
  // Writes the header row: `columns` are fedlink's own names.
  explicit CsvWriter(std::initializer_list<absl::string_view> columns);
  explicit CsvWriter(const std::vector<std::string>& columns);

  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;

  // A text field chosen by someone else: escaped, formula-guarded, quoted.
  CsvWriter& Field(absl::string_view value, CsvQuoting quoting = CsvQuoting::kAsNeeded);
  // The node's own data, or a value fedlink formatted: escaped and quoted,
  // never prefixed.
  CsvWriter& OwnField(absl::string_view value);
  // A number fedlink computed: "%.<decimals>f", or an integer.
  CsvWriter& Number(double value, int decimals = 1);
  CsvWriter& Integer(int64_t value);
  // Ends the current row (a line feed).
  CsvWriter& EndRow();

  // The header and every completed row not yet taken.
  const std::string& text() const { return text_; }
  // Returns text() and empties it, for writing row by row (the header is
  // written once, with the first take).
  std::string TakeText();

 private:
  void Append(std::string field);

  std::string text_;
  bool row_started_ = false;
};

}  // namespace fedlink::common

#endif  // FEDLINK_NODE_COMMON_CSV_WRITER_H_
