// Reading person records from import files (CSV or JSONL) into Person
// structs. All-or-nothing: the first bad row fails the whole read with
// "FILE:LINE: field: problem", never quoting the personal value.
#ifndef FEDLINK_NODE_IMPORTER_IMPORTER_H_
#define FEDLINK_NODE_IMPORTER_IMPORTER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/common/csv_writer.h"
#include "node/record/person.h"

namespace fedlink::importer {

// The canonical column names, in the order the CSV export writes them.
// Multi-valued columns (aliases, phone, email, document, handle, iban, plate,
// address, consent, labels) separate values with ';'.
const std::vector<std::string>& CanonicalColumns();

struct ImportOptions {
  std::string format;  // "csv", "jsonl", or "" to decide by file extension
  // Source column name -> canonical name. Source columns that are neither
  // mapped nor canonical are ignored.
  std::map<std::string, std::string> column_map;
  // Role for rows with no role column or an empty role.
  std::optional<record::Role> default_role;
  // Rows without an external id get "<default_external_id>:<line>" (a
  // lookup's intake is not stored, so it needs none); without it,
  // external_id is required.
  std::optional<std::string> default_external_id;
  // Legacy data often holds impossible dates (FEBRL has "19371233"). By
  // default such a row fails the import; with drop_bad_dates the record is
  // kept without the date and the line is reported in stats.
  bool drop_bad_dates = false;
  struct Stats {
    std::vector<int> dropped_date_lines;  // line numbers, never values
  };
  Stats* stats = nullptr;  // optional, filled when set
  // CSV rows are parsed in pieces over this many threads (0 = every core;
  // 1 = serially); the result, its order and its first error are those of a
  // serial read. piece_bytes: the size of a piece (0 = automatic, at least
  // 1 MiB; tests set it small to split small files).
  int threads = 0;
  size_t piece_bytes = 0;
};

// Parses "src=dst,src2=dst2". Each dst must be a canonical column.
absl::StatusOr<std::map<std::string, std::string>> ParseColumnMap(absl::string_view spec);

// Parses the whole file. `display_name` is used in error messages.
absl::StatusOr<std::vector<record::Person>> ParsePersons(absl::string_view content,
                                                         absl::string_view display_name,
                                                         const ImportOptions& options);

// Reads and parses a file. Errors name the file and line.
absl::StatusOr<std::vector<record::Person>> ReadPersonsFile(const std::string& path,
                                                            const ImportOptions& options);

// Reads an import file a piece at a time (about 1 MiB of rows, or
// ImportOptions::piece_bytes), for storing records while later ones are
// still to be read (store::RecordStore::UpsertStream): the records are
// never all in memory. Next gives the next piece's records in file order
// as ParsePersons reads them but not merged: a row repeating an earlier
// external id comes again, and the store replaces the earlier record in
// its place, as ParsePersons's merge does. A bad header fails Open; a bad
// row fails the Next that reaches it, with the error ParsePersons gives.
// options.stats, if set, must outlive the reader: each Next appends its
// piece's dropped-date lines. Pieces are parsed ImportOptions::threads at
// a time over the cores (0 = every core), ahead of the ones handed out.
// Thread-compatible.
//
//   ASSIGN_OR_RETURN(auto reader, PersonsReader::Open(path, options));
//   std::vector<record::Person> batch;
//   while (true) {
//     ASSIGN_OR_RETURN(const bool more, reader->Next(&batch));
//     if (!more) break;
//     ...
//   }
class PersonsReader {
 public:
  // Reads the file whole (errors name it) and checks its header.
  static absl::StatusOr<std::unique_ptr<PersonsReader>> Open(const std::string& path,
                                                             const ImportOptions& options);
  // The same over text already read; `display_name` is used in errors.
  static absl::StatusOr<std::unique_ptr<PersonsReader>> FromText(std::string content,
                                                                 std::string display_name,
                                                                 const ImportOptions& options);
  ~PersonsReader();
  PersonsReader(const PersonsReader&) = delete;
  PersonsReader& operator=(const PersonsReader&) = delete;

  // Replaces *persons with the next piece's records and returns true, or
  // returns false at the end of the file.
  absl::StatusOr<bool> Next(std::vector<record::Person>* persons);

 private:
  struct State;
  explicit PersonsReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Writes persons as CSV with the canonical header (the format ParsePersons
// reads back), through common::CsvWriter: quoted as RFC 4180 requires,
// control characters escaped, no formula guard (the file is the node's own
// data and must read back unchanged, phone numbers starting with "+").
std::string PersonsToCsv(const std::vector<record::Person>& persons);
// The writer PersonsToCsv starts with (the canonical header), and one
// person's row, for writing records one at a time.
common::CsvWriter PersonsCsvWriter();
void AppendPersonRow(const record::Person& person, common::CsvWriter& csv);

}  // namespace fedlink::importer

#endif  // FEDLINK_NODE_IMPORTER_IMPORTER_H_
