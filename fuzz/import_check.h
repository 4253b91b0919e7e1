// The import fuzz targets' one check (fuzz_import_csv, fuzz_import_jsonl):
// parse `text` as the import format `format` under two sets of options, and
// for what parses, hold the importer to its promises.
#ifndef FEDLINK_FUZZ_IMPORT_CHECK_H_
#define FEDLINK_FUZZ_IMPORT_CHECK_H_

#include "absl/strings/string_view.h"

namespace fedlink::fuzz {

// Parses `text` with ParsePersons (the strict defaults, then a lenient set:
// a default role and id, bad dates dropped, a column map). Checks that an
// error names the file and quotes no value (printable ASCII only); that
// every record read has an id, a role and a valid date; that the records'
// CSV export (`records list`) reads back as the same records; and derives
// every record's keys (keyspec v1) as a match or lookup would.
void CheckImport(absl::string_view text, absl::string_view format);

}  // namespace fedlink::fuzz

#endif  // FEDLINK_FUZZ_IMPORT_CHECK_H_
