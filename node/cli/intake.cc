#include "node/cli/intake.h"

#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/importer/importer.h"

ABSL_FLAG(std::string, intake, "",
          "Read the person from FILE (- = standard input): one record in the import "
          "format (CSV with a header, or a JSON object), instead of the field flags.");
ABSL_FLAG(std::string, given, "", "Given name.");
ABSL_FLAG(std::string, family, "", "Family name.");
ABSL_FLAG(std::string, alias, "", "Aliases, ';'-separated.");
ABSL_FLAG(std::string, dob, "", "Date of birth (YYYY-MM-DD, YYYY-MM, YYYY, ...).");
ABSL_FLAG(std::string, sex, "", "f, m or x.");
ABSL_FLAG(std::string, phone, "", "Phone numbers, ';'-separated.");
ABSL_FLAG(std::string, email, "", "E-mail addresses, ';'-separated.");
ABSL_FLAG(std::string, document, "", "Document numbers, ';'-separated.");
ABSL_FLAG(std::string, online_handle, "", "Online handles, ';'-separated.");
ABSL_FLAG(std::string, iban, "", "IBANs, ';'-separated.");
ABSL_FLAG(std::string, plate, "", "Vehicle plates, ';'-separated.");
ABSL_FLAG(std::string, address, "", "Addresses, ';'-separated.");

namespace fedlink::cli {
namespace {

std::vector<std::string> List(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view v : absl::StrSplit(text, ';', absl::SkipWhitespace())) out.emplace_back(v);
  return out;
}

absl::StatusOr<record::Person> IntakeFromFieldFlags() {
  record::Person p;
  p.external_id = "intake";
  p.given_name = absl::GetFlag(FLAGS_given);
  p.family_name = absl::GetFlag(FLAGS_family);
  p.aliases = List(absl::GetFlag(FLAGS_alias));
  if (const std::string dob = absl::GetFlag(FLAGS_dob); !dob.empty()) {
    auto parsed = record::ParsePartialDate(dob);
    if (!parsed.ok()) return absl::InvalidArgumentError("--dob: not a date");
    p.dob = *parsed;
  }
  auto sex = record::ParseSex(absl::GetFlag(FLAGS_sex));
  if (!sex.ok()) return absl::InvalidArgumentError("--sex: expected f, m or x");
  p.sex = *sex;
  p.phones = List(absl::GetFlag(FLAGS_phone));
  p.emails = List(absl::GetFlag(FLAGS_email));
  p.documents = List(absl::GetFlag(FLAGS_document));
  p.handles = List(absl::GetFlag(FLAGS_online_handle));
  p.ibans = List(absl::GetFlag(FLAGS_iban));
  p.plates = List(absl::GetFlag(FLAGS_plate));
  p.addresses = List(absl::GetFlag(FLAGS_address));
  return p;
}

bool AnyFieldFlag() {
  for (const std::string& v :
       {absl::GetFlag(FLAGS_given), absl::GetFlag(FLAGS_family), absl::GetFlag(FLAGS_alias),
        absl::GetFlag(FLAGS_dob), absl::GetFlag(FLAGS_sex), absl::GetFlag(FLAGS_phone),
        absl::GetFlag(FLAGS_email), absl::GetFlag(FLAGS_document),
        absl::GetFlag(FLAGS_online_handle), absl::GetFlag(FLAGS_iban), absl::GetFlag(FLAGS_plate),
        absl::GetFlag(FLAGS_address)}) {
    if (!v.empty()) return true;
  }
  return false;
}

absl::StatusOr<record::Person> IntakeFromFile(const std::string& path) {
  std::string text;
  if (path == "-") {
    char chunk[4096];
    while (std::cin.read(chunk, sizeof(chunk)) || std::cin.gcount() > 0) {
      text.append(chunk, static_cast<size_t>(std::cin.gcount()));
      if (text.size() > common::kMaxSmallFileBytes) {
        return absl::InvalidArgumentError("--intake: standard input holds more than one record");
      }
    }
  } else {
    ASSIGN_OR_RETURN(text, common::ReadWholeFile(path, common::kMaxSmallFileBytes));
  }
  const std::string name = path == "-" ? "intake" : path;
  importer::ImportOptions options;
  options.format = absl::StartsWith(absl::StripLeadingAsciiWhitespace(text), "{") ? "jsonl" : "csv";
  options.default_role = record::Role::kOther;
  options.default_external_id = "intake";
  auto persons = importer::ParsePersons(text, name, options);
  if (!persons.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--intake: ", persons.status().message()));
  }
  if (persons->size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--intake: ", name, ": expected one record, found ", persons->size()));
  }
  return persons->front();
}

}  // namespace

absl::StatusOr<record::Person> IntakeFromFlags() {
  const std::string path = absl::GetFlag(FLAGS_intake);
  if (path.empty()) return IntakeFromFieldFlags();
  if (AnyFieldFlag()) {
    return absl::InvalidArgumentError("give --intake or the field flags, not both");
  }
  return IntakeFromFile(path);
}

}  // namespace fedlink::cli
