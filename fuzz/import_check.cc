#include "fuzz/import_check.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fuzz/fuzz_support.h"
#include "node/importer/importer.h"
#include "node/match/keyspec.h"
#include "node/record/person.h"

namespace fedlink::fuzz {
namespace {

void CheckRecord(const record::Person& p) {
  FUZZ_CHECK(!p.external_id.empty(), "a record without an external id");
  if (!p.dob.empty()) {
    auto again = record::ParsePartialDate(p.dob.ToString());
    FUZZ_CHECK(again.ok() && *again == p.dob, "a dob that does not read back");
  }
  match::keyspec::DropCounts dropped;
  for (const match::keyspec::Key& key : match::keyspec::DeriveKeys(p, {}, &dropped)) {
    FUZZ_CHECK(absl::StartsWith(key.bytes, match::keyspec::kVersion), "a key without its prefix");
  }
}

}  // namespace

void CheckImport(absl::string_view text, absl::string_view format) {
  const std::string name = absl::StrCat("fuzz.", format);
  importer::ImportOptions strict;
  strict.format = std::string(format);
  importer::ImportOptions lenient = strict;
  lenient.default_role = record::Role::kVictim;
  lenient.default_external_id = "intake";
  lenient.drop_bad_dates = true;
  importer::ImportOptions::Stats stats;
  lenient.stats = &stats;
  lenient.column_map = {{"id", "external_id"}, {"name", "given_name"}, {"tel", "phone"}};
  for (const importer::ImportOptions* options : {&strict, &lenient}) {
    auto persons = importer::ParsePersons(text, name, *options);
    if (!persons.ok()) {
      FUZZ_CHECK(absl::StartsWith(persons.status().message(), name + ":"),
                 "an import error that does not name the file");
      FUZZ_CHECK(PrintableAscii(persons.status().message()),
                 "an import error with a byte from the input in it");
      continue;
    }
    for (const record::Person& p : *persons) CheckRecord(p);
    // `records list` writes the import format; the node's own data must
    // read back unchanged.
    const std::string csv = importer::PersonsToCsv(*persons);
    importer::ImportOptions csv_options;
    csv_options.format = "csv";
    auto again = importer::ParsePersons(csv, "export.csv", csv_options);
    FUZZ_CHECK(again.ok(), "records list output that does not import");
    FUZZ_CHECK(*again == *persons, "records list output that imports as other records");
  }
}

}  // namespace fedlink::fuzz
