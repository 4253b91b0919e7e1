// keyspec v2 person keys (keyspec.h documents them).
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "node/match/keyspec.h"
#include "node/match/nicknames.h"
#include "node/match/person_keys.h"
#include "node/match/soundex.h"
#include "node/normalize/romanize.h"

namespace fedlink::match::keyspec {
namespace {

// Words shorter than this are initials or particles: no keys of their own.
constexpr size_t kMinWord = 2;
// One-deletion variants only for words of at least this many letters (a
// three-letter variant is already common) and at most kMaxVariantWord (cost).
constexpr size_t kMinVariantWord = 4;
constexpr size_t kMaxVariantWord = 16;

std::vector<std::string> RomanWords(absl::string_view name, absl::string_view nationality) {
  std::vector<std::string> out;
  for (absl::string_view w :
       absl::StrSplit(normalize::RomanizeName(name, nationality), ' ', absl::SkipEmpty())) {
    out.emplace_back(w);
  }
  return out;
}

void SortUnique(std::vector<std::string>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

// The word itself and every word one deletion away.
std::vector<std::string> DeletionVariants(const std::string& w) {
  std::vector<std::string> out = {w};
  if (w.size() < kMinVariantWord || w.size() > kMaxVariantWord) return out;
  for (size_t i = 0; i < w.size(); ++i) {
    // Folded again: a deletion may leave a doubled letter ("susan" less u).
    std::string v;
    for (char c : w.substr(0, i) + w.substr(i + 1)) {
      if (v.empty() || v.back() != c) v.push_back(c);
    }
    out.push_back(std::move(v));
  }
  SortUnique(&out);
  return out;
}

}  // namespace

std::vector<std::string> GivenWordsV2(absl::string_view given_name, absl::string_view nationality) {
  std::vector<std::string> out;
  for (const std::string& w : RomanWords(given_name, nationality)) {
    std::string f = normalize::FoldRomanisation(w);
    if (f.size() >= kMinWord) out.push_back(std::move(f));
  }
  SortUnique(&out);
  return out;
}

std::vector<std::string> FamilyWordsV2(absl::string_view family_name,
                                       absl::string_view nationality) {
  std::vector<std::string> out;
  for (const std::string& w : RomanWords(family_name, nationality)) {
    std::string f = normalize::FoldFamilyEnding(normalize::FoldRomanisation(w));
    if (f.size() >= kMinWord) out.push_back(std::move(f));
  }
  SortUnique(&out);
  return out;
}

namespace {

// The date part of the date keys: "DDMM|YYYY" with day and month sorted for
// a full date; for a partial one, the part that is known, marked so that it
// never equals a full date's: "mMM|YYYY" (month and year), "y|YYYY" (the
// year only). A partial date agrees only with the same partial date: a
// partner that wrote only the year matches a partner that did the same.
// Empty when the year is unknown.
std::string DatePart(const record::PartialDate& dob) {
  if (dob.year == 0) return "";
  if (dob.month != 0 && dob.day != 0) {
    return absl::StrFormat("%02d%02d|%d", std::min(dob.day, dob.month),
                           std::max(dob.day, dob.month), dob.year);
  }
  if (dob.month != 0) return absl::StrFormat("m%02d|%d", dob.month, dob.year);
  return absl::StrCat("y|", dob.year);
}

}  // namespace

void AddPersonKeysV2(const record::Person& p, const KeySink& add) {
  const std::vector<std::string> given = GivenWordsV2(p.given_name, p.nationality);
  const std::vector<std::string> family = FamilyWordsV2(p.family_name, p.nationality);
  const bool full_dob = p.dob.year != 0 && p.dob.month != 0 && p.dob.day != 0;
  const std::string date = DatePart(p.dob);

  // Both names, either order, without the date.
  if (!given.empty() && !family.empty()) {
    std::vector<std::string> all = given;
    all.insert(all.end(), family.begin(), family.end());
    SortUnique(&all);
    std::vector<std::string> phonetic;
    for (const std::string& w : all) phonetic.push_back(Soundex(w));
    SortUnique(&phonetic);
    const std::string words = absl::StrJoin(all, " ");
    const std::string sounds = absl::StrJoin(phonetic, " ");
    add(KeyType::kNameWords, words);
    add(KeyType::kNameWordsPhonetic, sounds);
    if (full_dob) {
      add(KeyType::kNameWordsDate, absl::StrCat(words, "|", date));
      add(KeyType::kNameWordsPhoneticDate, absl::StrCat(sounds, "|", date));
    } else if (!date.empty()) {
      add(KeyType::kNameWordsPartialDate, absl::StrCat(words, "|", date));
      add(KeyType::kNameWordsPartialDate, absl::StrCat("sx ", sounds, "|", date));
    }
    if (full_dob) {
      const std::string dm = absl::StrFormat("%02d%02d", std::min(p.dob.day, p.dob.month),
                                             std::max(p.dob.day, p.dob.month));
      // The year off by one: graded evidence within the names group (see
      // keyspec.h for why it is not a group of its own).
      for (const std::string& bucket :
           {absl::StrCat("a", p.dob.year / 2), absl::StrCat("b", (p.dob.year + 1) / 2)}) {
        add(KeyType::kNameWordsNearDate, absl::StrCat(words, "|", dm, "|", bucket));
        add(KeyType::kNameWordsNearDate, absl::StrCat("sx ", sounds, "|", dm, "|", bucket));
      }
    }
  }
  if (date.empty()) return;

  // One name word with the date (day and month sorted) and sex.
  std::vector<const char*> sexes;
  if (p.sex == record::Sex::kFemale) {
    sexes = {"f"};
  } else if (p.sex == record::Sex::kMale) {
    sexes = {"m"};
  } else {
    sexes = {"f", "m"};  // unknown agrees with either
  }
  if (!full_dob) {
    // A partial date: each word with the part known, exact words only, in
    // key types of their own (such values are common: the scorer weighs
    // them by their own frequency).
    for (const auto& [words, type] : {std::pair{&given, KeyType::kGivenPartialDate},
                                      std::pair{&family, KeyType::kFamilyPartialDate}}) {
      for (const std::string& w : *words) {
        for (const char* s : sexes) add(type, absl::StrCat(w, "|", date, "|", s));
      }
    }
    return;
  }
  auto word_keys = [&](const std::vector<std::string>& words, KeyType exact, KeyType variant) {
    for (const std::string& w : words) {
      for (const char* s : sexes) {
        add(exact, absl::StrCat(w, "|", date, "|", s));
        for (const std::string& v : DeletionVariants(w)) {
          add(variant, absl::StrCat(v, "|", date, "|", s));
        }
      }
    }
  };
  word_keys(given, KeyType::kGivenDate, KeyType::kGivenVariantDate);
  word_keys(family, KeyType::kFamilyDate, KeyType::kFamilyVariantDate);

  // Nicknames: the formal names each given word may stand for, folded.
  std::vector<std::string> formal;
  for (const std::string& w : given) {
    for (const std::string& f : FoldedFormalNames(w)) formal.push_back(f);
  }
  SortUnique(&formal);
  for (const std::string& f : formal) {
    for (const char* s : sexes) {
      add(KeyType::kNicknameDate, absl::StrCat(f, "|", date, "|", s));
    }
  }
}

}  // namespace fedlink::match::keyspec
