// The plain C++ record model shared by the store, the importer and the
// linkage code. It mirrors fedlink.v1.Person (proto/fedlink/v1/record.proto)
// but carries no protobuf dependency, so modules that only need the data do
// not pull in generated headers.
#ifndef FEDLINK_NODE_RECORD_PERSON_H_
#define FEDLINK_NODE_RECORD_PERSON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fedlink::record {

enum class Role { kVictim = 1, kSuspect = 2, kWitness = 3, kOther = 4 };
enum class Sex { kUnknown = 0, kFemale = 1, kMale = 2, kOther = 3 };

// "victim", "suspect", "witness", "other" (case-insensitive).
absl::StatusOr<Role> ParseRole(absl::string_view text);
absl::string_view RoleName(Role role);
// "f"/"female", "m"/"male", "x"/"other", "" = unknown (case-insensitive).
absl::StatusOr<Sex> ParseSex(absl::string_view text);
absl::string_view SexName(Sex sex);

// A date known fully or in part. Zero means unknown for each field; a known
// day implies a known month, a known month implies a known year.
struct PartialDate {
  int year = 0;
  int month = 0;
  int day = 0;

  bool empty() const { return year == 0 && month == 0 && day == 0; }
  // "YYYY", "YYYY-MM", "YYYY-MM-DD", or "" when empty.
  std::string ToString() const;
  friend bool operator==(const PartialDate&, const PartialDate&) = default;
};

// Parses YYYYMMDD, YYYY-MM-DD, DD/MM/YYYY, DD.MM.YYYY and the partial forms
// YYYY, YYYY-MM, YYYYMM, MM/YYYY. Validates month and day ranges (including
// leap years). The error message never contains the input.
absl::StatusOr<PartialDate> ParsePartialDate(absl::string_view text);

// A BCP 47 language tag as the record keeps it: a primary language subtag
// of 2-3 letters, then up to three subtags of 2-8 letters or digits,
// separated by '-' (or '_'); normalised to lower-case language, Title-case
// script and upper-case region ("PT_br" -> "pt-BR"). "" stays "". The error
// message never contains the input.
absl::StatusOr<std::string> ParseLanguageTag(absl::string_view text);

// Days since 1970-01-01 for a proleptic Gregorian date, and back.
int64_t DaysFromCivil(int year, int month, int day);
PartialDate CivilFromDays(int64_t days);

struct Person {
  std::string external_id;
  Role role = Role::kOther;
  std::string given_name;
  std::string family_name;
  std::vector<std::string> aliases;
  PartialDate dob;
  Sex sex = Sex::kUnknown;
  std::string nationality;
  std::vector<std::string> phones;
  std::vector<std::string> emails;
  std::vector<std::string> documents;
  std::vector<std::string> handles;
  std::vector<std::string> ibans;
  std::vector<std::string> plates;
  std::vector<std::string> addresses;
  // Purposes the record may be used for (e.g. "victim-dedup").
  std::vector<std::string> consent;
  int64_t consent_expires_at = 0;  // unix seconds, 0 = none
  std::vector<std::string> labels;
  std::string officer;
  // The language the person reads, as a BCP 47 tag ("uk", "pt-BR"); "" if
  // not asked. Kept for the caseworker (the "what we share about you" page
  // says which language to explain it in); never shared with a peer.
  std::string language;

  friend bool operator==(const Person&, const Person&) = default;
};

}  // namespace fedlink::record

#endif  // FEDLINK_NODE_RECORD_PERSON_H_
