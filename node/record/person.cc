#include "node/record/person.h"

#include <algorithm>
#include <array>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace fedlink::record {
namespace {

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[month - 1];
}

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

int ToInt(absl::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

absl::StatusOr<PartialDate> Validate(int year, int month, int day) {
  if (year < 1800 || year > 2200) {
    return absl::InvalidArgumentError("year out of range");
  }
  if (month < 0 || month > 12) {
    return absl::InvalidArgumentError(absl::StrFormat("month %d", month));
  }
  if (day != 0 && month == 0) {
    return absl::InvalidArgumentError("day without month");
  }
  if (day < 0 || (day > 0 && day > DaysInMonth(year, month))) {
    return absl::InvalidArgumentError(absl::StrFormat("day %d", day));
  }
  return PartialDate{year, month, day};
}

}  // namespace

namespace {

// Each role with its name; each sex with its short name and the long forms
// accepted on input.
constexpr std::pair<Role, absl::string_view> kRoleNames[] = {{Role::kVictim, "victim"},
                                                             {Role::kSuspect, "suspect"},
                                                             {Role::kWitness, "witness"},
                                                             {Role::kOther, "other"}};
struct SexNames {
  Sex sex;
  absl::string_view name;
  absl::string_view long_name;
};
constexpr SexNames kSexNames[] = {{Sex::kFemale, "f", "female"},
                                  {Sex::kMale, "m", "male"},
                                  {Sex::kOther, "x", "other"},
                                  {Sex::kUnknown, "", "unknown"}};

std::string Folded(absl::string_view text) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
}

}  // namespace

absl::StatusOr<Role> ParseRole(absl::string_view text) {
  const std::string t = Folded(text);
  for (const auto& [role, name] : kRoleNames) {
    if (t == name) return role;
  }
  return absl::InvalidArgumentError("unknown role (expected victim, suspect, witness or other)");
}

absl::string_view RoleName(Role role) {
  for (const auto& [r, name] : kRoleNames) {
    if (r == role) return name;
  }
  return "other";
}

absl::StatusOr<Sex> ParseSex(absl::string_view text) {
  const std::string t = Folded(text);
  if (t == "u") return Sex::kUnknown;
  for (const SexNames& s : kSexNames) {
    if (t == s.name || t == s.long_name) return s.sex;
  }
  return absl::InvalidArgumentError("unknown sex (expected f, m, x or empty)");
}

absl::string_view SexName(Sex sex) {
  for (const SexNames& s : kSexNames) {
    if (s.sex == sex) return s.name;
  }
  return "";
}

absl::StatusOr<std::string> ParseLanguageTag(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (text.empty()) return std::string();
  const auto bad = [] {
    return absl::InvalidArgumentError(
        "expected a language code such as uk, ro or pt-BR (BCP 47: 2-3 letters, then "
        "subtags of 2-8 letters or digits)");
  };
  if (text.size() > 35) return bad();
  std::vector<std::string> parts = absl::StrSplit(text, absl::ByAnyChar("-_"));
  if (parts.size() > 4) return bad();
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string& p = parts[i];
    const bool alpha = std::all_of(p.begin(), p.end(), [](char c) {
      return absl::ascii_isalpha(static_cast<unsigned char>(c));
    });
    const bool alnum = std::all_of(p.begin(), p.end(), [](char c) {
      return absl::ascii_isalnum(static_cast<unsigned char>(c));
    });
    if (i == 0 ? (!alpha || p.size() < 2 || p.size() > 3)
               : (!alnum || p.size() < 2 || p.size() > 8)) {
      return bad();
    }
    absl::AsciiStrToLower(&p);
    if (i > 0 && p.size() == 2 && alpha) absl::AsciiStrToUpper(&p);         // region
    if (i > 0 && p.size() == 4 && alpha) p[0] = absl::ascii_toupper(p[0]);  // script
    absl::StrAppend(&out, i == 0 ? "" : "-", p);
  }
  return out;
}

std::string PartialDate::ToString() const {
  if (year == 0) return "";
  if (month == 0) return absl::StrFormat("%04d", year);
  if (day == 0) return absl::StrFormat("%04d-%02d", year, month);
  return absl::StrFormat("%04d-%02d-%02d", year, month, day);
}

int64_t DaysFromCivil(int y, int m, int d) {
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

PartialDate CivilFromDays(int64_t z) {
  // Howard Hinnant's civil_from_days.
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int y = static_cast<int>(yoe + era * 400 + (m <= 2));
  return PartialDate{y, m, d};
}

absl::StatusOr<PartialDate> ParsePartialDate(absl::string_view text) {
  absl::string_view s = absl::StripAsciiWhitespace(text);
  if (s.empty()) return absl::InvalidArgumentError("empty date");
  // Compact digit forms: YYYY, YYYYMM, YYYYMMDD.
  if (AllDigits(s)) {
    if (s.size() == 4) return Validate(ToInt(s), 0, 0);
    if (s.size() == 6) return Validate(ToInt(s.substr(0, 4)), ToInt(s.substr(4, 2)), 0);
    if (s.size() == 8) {
      return Validate(ToInt(s.substr(0, 4)), ToInt(s.substr(4, 2)), ToInt(s.substr(6, 2)));
    }
    return absl::InvalidArgumentError("unrecognised date format");
  }
  for (char sep : {'-', '/', '.'}) {
    if (s.find(sep) == absl::string_view::npos) continue;
    std::vector<absl::string_view> parts = absl::StrSplit(s, sep);
    for (absl::string_view p : parts) {
      if (!AllDigits(p) || p.size() > 4) {
        return absl::InvalidArgumentError("unrecognised date format");
      }
    }
    if (parts[0].size() == 4) {  // YYYY-MM[-DD]
      if (parts.size() == 2 && parts[1].size() <= 2) {
        return Validate(ToInt(parts[0]), ToInt(parts[1]), 0);
      }
      if (parts.size() == 3 && parts[1].size() <= 2 && parts[2].size() <= 2) {
        return Validate(ToInt(parts[0]), ToInt(parts[1]), ToInt(parts[2]));
      }
    } else if (parts.back().size() == 4) {  // DD/MM/YYYY or MM/YYYY
      if (parts.size() == 3 && parts[0].size() <= 2 && parts[1].size() <= 2) {
        return Validate(ToInt(parts[2]), ToInt(parts[1]), ToInt(parts[0]));
      }
      if (parts.size() == 2 && parts[0].size() <= 2) {
        return Validate(ToInt(parts[1]), ToInt(parts[0]), 0);
      }
    }
    return absl::InvalidArgumentError("unrecognised date format");
  }
  return absl::InvalidArgumentError("unrecognised date format");
}

}  // namespace fedlink::record
