#include "node/match/keyspec.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "node/match/nicknames.h"
#include "node/match/person_keys.h"
#include "node/match/soundex.h"
#include "node/normalize/normalize.h"

namespace fedlink::match::keyspec {
namespace {

std::string Joined(absl::string_view normalised_name) {
  std::string out;
  for (char c : normalised_name) {
    if (c != ' ') out.push_back(c);
  }
  return out;
}

}  // namespace

const std::vector<KeyTypeInfo>& Catalogue() {
  // default_m/default_u: starting points; u is re-estimated from value
  // frequencies on the node's records and m refined by EM (scorer.h).
  static const auto* catalogue = new std::vector<KeyTypeInfo>{
      {KeyType::kPhone, "phone", true, KeyGroup::kPhone, 0.70, 1e-5, 0},
      {KeyType::kEmail, "email", true, KeyGroup::kEmail, 0.60, 1e-6, 0},
      {KeyType::kDocument, "document", true, KeyGroup::kDocument, 0.60, 1e-6, 0},
      {KeyType::kHandle, "handle", true, KeyGroup::kHandle, 0.60, 1e-6, 0},
      {KeyType::kIban, "iban", true, KeyGroup::kIban, 0.80, 1e-6, 0},
      {KeyType::kPlate, "plate", true, KeyGroup::kPlate, 0.80, 1e-5, 0},
      {KeyType::kNameDob, "name_dob", false, KeyGroup::kPersonDob, 0.50, 1e-6, 1},
      {KeyType::kPhoneticDob, "phonetic_dob", false, KeyGroup::kPersonDob, 0.75, 1e-5, 1},
      {KeyType::kFamilyDob, "family_dob", false, KeyGroup::kPersonDob, 0.80, 1e-4, 1},
      {KeyType::kGivenDob, "given_dob", false, KeyGroup::kPersonDob, 0.80, 1e-4, 1},
      {KeyType::kNamesYear, "names_year", false, KeyGroup::kPersonNoDob, 0.80, 1e-4, 1},
      {KeyType::kNamesUnorderedDob, "names_unordered_dob", false, KeyGroup::kPersonDob, 0.80, 1e-5,
       1},
      {KeyType::kFamilyDayMonth, "family_daymonth", false, KeyGroup::kPersonDob, 0.85, 1e-4, 1},
      {KeyType::kNicknameDob, "nickname_dob", false, KeyGroup::kPersonDob, 0.80, 1e-5, 1},
      {KeyType::kNames, "names", false, KeyGroup::kPersonNoDob, 0.60, 1e-4, 1},
      {KeyType::kNamesPhonetic, "names_phonetic", false, KeyGroup::kPersonNoDob, 0.80, 1e-3, 1},
      {KeyType::kAddress, "address", false, KeyGroup::kAddress, 0.50, 1e-3, 0},
      {KeyType::kGivenDate, "given_date", false, KeyGroup::kGivenDate, 0.80, 1e-5, 2},
      {KeyType::kGivenVariantDate, "given_variant_date", false, KeyGroup::kGivenDate, 0.90, 1e-4,
       2},
      {KeyType::kNicknameDate, "nickname_date", false, KeyGroup::kGivenDate, 0.30, 1e-5, 2},
      {KeyType::kFamilyDate, "family_date", false, KeyGroup::kFamilyDate, 0.80, 1e-5, 2},
      {KeyType::kFamilyVariantDate, "family_variant_date", false, KeyGroup::kFamilyDate, 0.90, 1e-4,
       2},
      {KeyType::kNameWords, "name_words", false, KeyGroup::kNameWords, 0.60, 1e-4, 2},
      {KeyType::kNameWordsPhonetic, "name_words_phonetic", false, KeyGroup::kNameWords, 0.80, 1e-3,
       2},
      {KeyType::kNameWordsDate, "name_words_date", false, KeyGroup::kNameWordsDate, 0.70, 1e-7, 2},
      {KeyType::kNameWordsPhoneticDate, "name_words_phonetic_date", false, KeyGroup::kNameWordsDate,
       0.80, 1e-6, 2},
      {KeyType::kNameWordsNearDate, "name_words_near_date", false, KeyGroup::kNameWords, 0.85, 1e-6,
       2},
      // A partial date is weak evidence (a year is shared by one person in
      // thirty or so): these count within the names group, like a near date.
      {KeyType::kGivenPartialDate, "given_partial_date", false, KeyGroup::kNameWords, 0.80, 1e-4,
       2},
      {KeyType::kFamilyPartialDate, "family_partial_date", false, KeyGroup::kNameWords, 0.80, 1e-4,
       2},
      {KeyType::kNameWordsPartialDate, "name_words_partial_date", false, KeyGroup::kNameWords, 0.80,
       1e-5, 2},
  };
  return *catalogue;
}

absl::StatusOr<Version> ParseVersion(int number, absl::string_view where) {
  if (number == 1) return Version::kV1;
  if (number == 2) return Version::kV2;
  return absl::InvalidArgumentError(
      absl::StrCat(where, ": keyspec ", number, " is not known (1 or 2)"));
}

const char* Prefix(Version version) { return version == Version::kV2 ? kVersion2 : kVersion; }

int KeyTypeCount(Version version) {
  int n = 0;
  for (const KeyTypeInfo& info : Catalogue()) {
    n += info.keyspec == 0 || info.keyspec == static_cast<int>(version) ? 1 : 0;
  }
  return n;
}

const KeyTypeInfo& Info(KeyType type) { return Catalogue()[static_cast<int>(type)]; }

int AgreeingGroups(uint32_t pattern) {
  uint32_t groups = 0;
  for (const KeyTypeInfo& info : Catalogue()) {
    if (pattern & (1u << static_cast<int>(info.type))) groups |= 1u << static_cast<int>(info.group);
  }
  return __builtin_popcount(groups);
}

std::string PatternNames(uint32_t pattern) {
  std::vector<std::string> names;
  for (const KeyTypeInfo& info : Catalogue()) {
    if (pattern & (1u << static_cast<int>(info.type))) names.push_back(info.name);
  }
  return names.empty() ? "(none)" : absl::StrJoin(names, ";");
}

std::vector<std::string> KeyTypeNames() {
  std::vector<std::string> out;
  for (const KeyTypeInfo& k : Catalogue()) out.push_back(k.name);
  return out;
}

int KeysPerRecord(KeyType type) {
  switch (type) {
    case KeyType::kGivenVariantDate:
    case KeyType::kFamilyVariantDate:
      return 20;  // a word of up to 9 letters, either sex; or two with the sex known
    case KeyType::kGivenDate:
    case KeyType::kFamilyDate:
    case KeyType::kNicknameDate:
    case KeyType::kGivenPartialDate:
    case KeyType::kFamilyPartialDate:
    case KeyType::kNameWordsNearDate:
      return 4;  // two words, or two formal names, either sex; two year buckets, two spellings
    case KeyType::kNameWordsPartialDate:
      return 2;  // the words and their sounds
    default:
      return 1;
  }
}

int KeysPerRecord(absl::string_view type_name) {
  for (const KeyTypeInfo& info : Catalogue()) {
    if (type_name == info.name) return KeysPerRecord(info.type);
  }
  return 1;
}

std::vector<Key> DeriveKeys(const record::Person& p, const Options& options, DropCounts* dropped) {
  std::vector<Key> keys;
  auto add = [&](KeyType type, absl::string_view value) {
    keys.push_back({type, absl::StrCat(Prefix(options.version), "|", Info(type).name, "|", value)});
  };
  DropCounts local;
  DropCounts& drops = dropped != nullptr ? *dropped : local;
  auto selectors = [&](KeyType type, const std::vector<std::string>& values, uint64_t* counter,
                       auto normaliser) {
    for (const std::string& v : values) {
      absl::StatusOr<std::string> n = normaliser(v);
      if (n.ok()) {
        add(type, *n);
      } else {
        ++*counter;
      }
    }
  };
  selectors(KeyType::kPhone, p.phones, &drops.phones,
            [&](const std::string& v) { return normalize::Phone(v, options.default_region); });
  selectors(KeyType::kEmail, p.emails, &drops.emails, normalize::Email);
  selectors(KeyType::kDocument, p.documents, &drops.documents, normalize::Document);
  selectors(KeyType::kHandle, p.handles, &drops.handles, normalize::Handle);
  selectors(KeyType::kIban, p.ibans, &drops.ibans, normalize::Iban);
  selectors(KeyType::kPlate, p.plates, &drops.plates, normalize::Plate);

  for (const std::string& address : p.addresses) {
    const std::string a = Joined(normalize::Name(address));
    if (a.size() >= 3) add(KeyType::kAddress, a);
  }
  if (options.version == Version::kV2) {
    AddPersonKeysV2(p, add);
  } else {
    AddPersonKeysV1(p, add);
  }
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    return a.type != b.type ? a.type < b.type : a.bytes < b.bytes;
  });
  keys.erase(std::unique(keys.begin(), keys.end(),
                         [](const Key& a, const Key& b) { return a.bytes == b.bytes; }),
             keys.end());
  return keys;
}

void AddPersonKeysV1(const record::Person& p, const KeySink& add) {
  const std::string given_words = normalize::Name(p.given_name);
  const std::string g = Joined(given_words);
  const std::string f = Joined(normalize::Name(p.family_name));
  const std::string sg = Soundex(g), sf = Soundex(f);
  const bool full_dob = p.dob.year != 0 && p.dob.month != 0 && p.dob.day != 0;
  const std::string dob =
      full_dob ? absl::StrFormat("%04d%02d%02d", p.dob.year, p.dob.month, p.dob.day) : "";
  if (!g.empty() && !f.empty()) {
    add(KeyType::kNames, absl::StrCat(g, "|", f));
    add(KeyType::kNamesPhonetic, absl::StrCat(sg, "|", sf));
    if (full_dob) {
      add(KeyType::kNameDob, absl::StrCat(g, "|", f, "|", dob));
      add(KeyType::kPhoneticDob, absl::StrCat(sg, "|", sf, "|", dob));
      add(KeyType::kNamesUnorderedDob,
          absl::StrCat(std::min(sg, sf), "|", std::max(sg, sf), "|", dob));
      // First given name only: nicknames are per name, not per name list.
      const std::string first = given_words.substr(0, given_words.find(' '));
      for (const std::string& formal : FormalNames(first)) {
        add(KeyType::kNicknameDob, absl::StrCat(formal, "|", sf, "|", dob));
      }
    }
    if (p.dob.year != 0) {
      add(KeyType::kNamesYear, absl::StrCat(sg, "|", sf, "|", p.dob.year));
    }
  }
  if (!f.empty() && full_dob) add(KeyType::kFamilyDob, absl::StrCat(sf, "|", dob));
  if (!g.empty() && full_dob) add(KeyType::kGivenDob, absl::StrCat(sg, "|", dob));
  if (!f.empty() && full_dob) {
    add(KeyType::kFamilyDayMonth,
        absl::StrFormat("%s|%04d|%02d|%02d", sf, p.dob.year, std::min(p.dob.day, p.dob.month),
                        std::max(p.dob.day, p.dob.month)));
  }
}

}  // namespace fedlink::match::keyspec
