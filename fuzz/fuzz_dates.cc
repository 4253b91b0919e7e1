// Fuzz target: dates as import files and the CLI give them (dob,
// consent_expires; record::ParsePartialDate), and the role and sex columns.
// An accepted date is within the documented range, prints in the canonical
// form that reads back as the same date, and a full date survives the
// day-count conversion consent expiry uses.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "node/record/person.h"

namespace fedlink::fuzz {
namespace {

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace
}  // namespace fedlink::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using fedlink::record::PartialDate;
  const absl::string_view text = fedlink::fuzz::AsText(data, size);
  auto date = fedlink::record::ParsePartialDate(text);
  if (date.ok()) {
    const PartialDate d = *date;
    FUZZ_CHECK(d.year >= 1800 && d.year <= 2200, "a year out of range");
    FUZZ_CHECK(d.month >= 0 && d.month <= 12, "a month out of range");
    FUZZ_CHECK(d.day >= 0 && (d.day == 0 || d.month > 0), "a day without a month");
    FUZZ_CHECK(d.day <= (d.month > 0 ? fedlink::fuzz::DaysInMonth(d.year, d.month) : 0),
               "a day out of range");
    auto again = fedlink::record::ParsePartialDate(d.ToString());
    FUZZ_CHECK(again.ok() && *again == d, "a date that does not read back");
    if (d.day > 0) {
      const int64_t days = fedlink::record::DaysFromCivil(d.year, d.month, d.day);
      FUZZ_CHECK(fedlink::record::CivilFromDays(days) == d,
                 "a day count that does not convert back");
    }
  } else {
    FUZZ_CHECK(fedlink::fuzz::PrintableAscii(date.status().message()),
               "a date error with a byte from the input in it");
  }
  auto role = fedlink::record::ParseRole(text);
  if (role.ok()) {
    FUZZ_CHECK(fedlink::record::ParseRole(fedlink::record::RoleName(*role)).value() == *role,
               "a role that does not read back");
  }
  auto sex = fedlink::record::ParseSex(text);
  if (sex.ok()) {
    FUZZ_CHECK(fedlink::record::ParseSex(fedlink::record::SexName(*sex)).value() == *sex,
               "a sex that does not read back");
  }
  return 0;
}
