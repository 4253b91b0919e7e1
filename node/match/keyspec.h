// keyspec v1: the match keys every node derives from a record, identically.
// A key's bytes are exactly what the private protocol feeds to the OPRF:
//
//   "fedlink/keyspec/v1|" || <key type name> || "|" || <value>
//
// Selector keys (exact, after normalisation): phone (E.164), email,
// document, handle, iban, plate, one key per value.
//
// Person keys (fuzzy), from g = normalised given name, f = normalised family
// name (spaces removed), sx() = Soundex, dob = YYYYMMDD:
//   name_dob            g|f|dob                 exact names, full date
//   phonetic_dob        sx(g)|sx(f)|dob         typos, transliteration
//   family_dob          sx(f)|dob               given-name changes, nicknames
//   given_dob           sx(g)|dob               family-name changes (marriage)
//   names_year          sx(g)|sx(f)|YYYY        day or month wrong/missing
//   names_unordered_dob min(sx)|max(sx)|dob     given/family swapped
//   family_daymonth     sx(f)|YYYY|min(DD,MM)|max(DD,MM)   day/month swapped
//   nickname_dob        formal|sx(f)|dob        one per formal name g may stand
//   for names               g|f                     date missing (weak:
//   namesakes) names_phonetic      sx(g)|sx(f)             date missing or
//   wrong, typos address             normalised address value, one key per
//   value
// so that one typo, a transliteration variant, a nickname, swapped names, a
// swapped day/month or a missing field still leaves several keys agreeing.
//
// Values that do not normalise (bad phone, IBAN checksum, e-mail) are
// dropped and counted, never turned into a wrong key.
//
// keyspec v2 (Options::version, node.conf `keyspec: 2`; peers must agree):
// the same selector and address keys under the prefix "fedlink/keyspec/v2",
// and person keys built from name *words* (normalize::RomanizeName, folded by
// normalize::FoldRomanisation; family words also by FoldFamilyEnding), with
// D = min(DD,MM)max(DD,MM) (day and month sorted), s = sex (f or m; both
// when unknown):
//   given_date           w|D|YYYY|s             each given-name word
//   given_variant_date   v|D|YYYY|s             v = w and each one-deletion
//                                               variant of w (w >= 4 letters)
//   nickname_date        formal|D|YYYY|s        formal names a given word
//                                               may stand for
//   family_date          w|D|YYYY|s             each family-name word
//                                               (compound surnames: each part)
//   family_variant_date  v|D|YYYY|s             as given_variant_date
//   name_words           sorted words of both names    (either order)
//   name_words_phonetic  sorted sx(words)
//   name_words_near_date sorted words|D|Ya, |D|Yb, and the same of sx(words),
//                        Ya/Yb = the year in two offset 2-year buckets ("a"
//                        YYYY/2, "b" (YYYY+1)/2: years one apart share one)
//   name_words_date      sorted words|D|YYYY
//   name_words_phonetic_date  sorted sx(words)|D|YYYY
// and for a record whose date of birth is partial (P = "mMM|YYYY" with the
// month, "y|YYYY" with the year only; never equal to a full date's part):
//   given_partial_date   w|P|s                  each given-name word
//   family_partial_date  w|P|s                  each family-name word
//   name_words_partial_date  sorted words|P, and "sx " sorted sx(words)|P
// all in the names group: a partial date is weak evidence (as groups of
// their own they cost 0.013 of precision at 100,000 records), so a name
// with a year opens a record only with a selector.
// Groups (t counts these): given name + date, family name + date, both
// names (with or without a year off by one or a partial date), both
// names + date. Two groups
// agree only if both names (or one name and a selector) agree with the date:
// one name part with the date, a name alone, or one selector alone never
// opens a record. A year off by one counts within the names group only: the
// names plus a near date are what a namesake born a year apart shares, and
// on 100,000 generated records treating them as a second group cost 0.07 of
// precision (docs/linkage.md); with a selector they still open.
#ifndef FEDLINK_NODE_MATCH_KEYSPEC_H_
#define FEDLINK_NODE_MATCH_KEYSPEC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/record/person.h"

namespace fedlink::match::keyspec {

inline constexpr char kVersion[] = "fedlink/keyspec/v1";
inline constexpr char kVersion2[] = "fedlink/keyspec/v2";

// The keyspec a federation speaks (node.conf `keyspec`): every member must
// use the same, since peers compare keys byte for byte.
enum class Version : uint8_t { kV1 = 1, kV2 = 2 };
inline constexpr int kLatestVersion = 2;

enum class KeyType : uint8_t {
  kPhone = 0,
  kEmail,
  kDocument,
  kHandle,
  kIban,
  kPlate,
  kNameDob,
  kPhoneticDob,
  kFamilyDob,
  kGivenDob,
  kNamesYear,
  kNamesUnorderedDob,
  kFamilyDayMonth,
  kNicknameDob,
  kNames,
  kNamesPhonetic,
  kAddress,
  // keyspec v2 person keys (see above).
  kGivenDate,
  kGivenVariantDate,
  kNicknameDate,
  kFamilyDate,
  kFamilyVariantDate,
  kNameWords,
  kNameWordsPhonetic,
  kNameWordsDate,
  kNameWordsPhoneticDate,
  kNameWordsNearDate,
  kGivenPartialDate,
  kFamilyPartialDate,
  kNameWordsPartialDate,
  kCount,  // not a key type
};
inline constexpr int kKeyTypeCount = static_cast<int>(KeyType::kCount);

// Correlated key types form a group; a pattern's score takes the best
// weight within each group and sums across groups (scorer.h).
enum class KeyGroup : uint8_t {
  kPhone,
  kEmail,
  kDocument,
  kHandle,
  kIban,
  kPlate,
  kAddress,
  kPersonDob,    // keys that include the full date of birth
  kPersonNoDob,  // name keys without the full date
  // keyspec v2:
  kGivenDate,      // a given-name word with the date and sex
  kFamilyDate,     // a family-name word with the date and sex
  kNameWords,      // all name words, no date
  kNameWordsDate,  // all name words with the date
};

struct KeyTypeInfo {
  KeyType type;
  const char* name;
  bool selector;
  KeyGroup group;
  double default_m;  // P(agree | same person), before EM
  double default_u;  // P(agree | different people), before estimation
  int keyspec;       // 0: both versions; 1 or 2: that version only
};
inline constexpr int kKeyGroupCount = static_cast<int>(KeyGroup::kNameWordsDate) + 1;

const std::vector<KeyTypeInfo>& Catalogue();
// The number of distinct key groups among the key types of `pattern`: the
// independent pieces of evidence two records share. The private protocol's
// t counts these (one Shamir share per group), so a name alone, however
// many name keys agree, never opens a record.
int AgreeingGroups(uint32_t pattern);
// The names of the key types in `pattern`, ';'-separated, in catalogue order
// ("(none)" for an empty pattern): the `keys` column of results files.
std::string PatternNames(uint32_t pattern);
const KeyTypeInfo& Info(KeyType type);
std::vector<std::string> KeyTypeNames();
// How many keys of `type` one record yields, at most for most records
// (keyspec_v2_test checks it on generated data): the one-deletion
// variants of a name word (about its length, twice for an unknown sex), a
// key per name word and sex. A policy's key type budget counts records, so a
// node allows this many evaluations of the type per unit of budget
// (docs/policy.md). 1 for selectors and every keyspec v1 type.
int KeysPerRecord(KeyType type);
// The same by key type name; 1 for a name not in the catalogue.
int KeysPerRecord(absl::string_view type_name);

// Default minimum number of agreeing keys before the private protocol
// reveals a record (policies may raise it).
inline constexpr int kDefaultMinAgreeingKeys = 2;

struct Key {
  KeyType type;
  std::string bytes;  // the full OPRF input (see above)
};

struct Options {
  std::string default_region = "GB";  // for phones without a country code
  Version version = Version::kV1;
};

// 1 -> kV1, 2 -> kV2; anything else is an error naming `where`.
absl::StatusOr<Version> ParseVersion(int number, absl::string_view where);
// "fedlink/keyspec/v1" or "fedlink/keyspec/v2": the prefix of every key.
const char* Prefix(Version version);
// The number of key types `version` derives (selectors included).
int KeyTypeCount(Version version);

// Counts of values dropped because they did not normalise (no values kept).
struct DropCounts {
  uint64_t phones = 0;
  uint64_t emails = 0;
  uint64_t documents = 0;
  uint64_t handles = 0;
  uint64_t ibans = 0;
  uint64_t plates = 0;
  uint64_t total() const { return phones + emails + documents + handles + ibans + plates; }
};

// Derives every key of `person`, de-duplicated, in a deterministic order.
// Thread-safe.
std::vector<Key> DeriveKeys(const record::Person& person, const Options& options,
                            DropCounts* dropped = nullptr);

}  // namespace fedlink::match::keyspec

#endif  // FEDLINK_NODE_MATCH_KEYSPEC_H_
