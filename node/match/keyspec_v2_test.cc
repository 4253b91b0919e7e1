#include <map>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "node/match/generator.h"
#include "node/match/keyspec.h"
#include "node/match/person_keys.h"

namespace fedlink::match::keyspec {
namespace {

const Options kV2{"GB", Version::kV2};

record::Person P(std::string given, std::string family, record::PartialDate dob,
                 record::Sex sex = record::Sex::kFemale) {
  record::Person p;
  p.external_id = "x";
  p.given_name = std::move(given);
  p.family_name = std::move(family);
  p.dob = dob;
  p.sex = sex;
  return p;
}

// The agreement pattern of two records' v2 keys.
uint32_t Pattern(const record::Person& a, const record::Person& b, const Options& options = kV2) {
  std::set<std::string> ka;
  for (const Key& k : DeriveKeys(a, options)) ka.insert(k.bytes);
  uint32_t pattern = 0;
  for (const Key& k : DeriveKeys(b, options)) {
    if (ka.count(k.bytes)) pattern |= 1u << static_cast<int>(k.type);
  }
  return pattern;
}

int Groups(const record::Person& a, const record::Person& b) {
  return AgreeingGroups(Pattern(a, b));
}

TEST(KeyspecV2Test, OneSurvivorInCyrillicPassportAndInterpreterSpellings) {
  const record::Person cyrillic = P("Юлия", "Шевченко", {1994, 3, 7});
  const record::Person passport = P("Iuliia", "Shevchenko", {1994, 3, 7});
  // "3/7/94" from an interpreter: day and month the other way round.
  const record::Person interpreter = P("Julia", "Schewtschenko", {1994, 7, 3});
  EXPECT_GE(Groups(cyrillic, passport), 2) << PatternNames(Pattern(cyrillic, passport));
  EXPECT_GE(Groups(cyrillic, interpreter), 2) << PatternNames(Pattern(cyrillic, interpreter));
  EXPECT_GE(Groups(passport, interpreter), 2) << PatternNames(Pattern(passport, interpreter));
  // keyspec v1 misses the interpreter's record (this is what v2 is for).
  EXPECT_LT(AgreeingGroups(Pattern(cyrillic, interpreter, Options{})), 2);
}

TEST(KeyspecV2Test, SameCommonGivenNameAndBirthYearIsNotAMatch) {
  EXPECT_LT(Groups(P("Maria", "Ivanova", {1990, 5, 12}), P("Maria", "Petrova", {1990, 8, 21})), 2);
  EXPECT_EQ(Pattern(P("Maria", "Ivanova", {1990, 5, 12}), P("Maria", "Petrova", {1990, 8, 21})),
            0u);
  // Even born the same day: one name part with the date is one group.
  const uint32_t same_day =
      Pattern(P("Maria", "Ivanova", {1990, 5, 12}), P("Maria", "Petrova", {1990, 5, 12}));
  EXPECT_NE(same_day, 0u);
  EXPECT_EQ(AgreeingGroups(same_day), 1) << PatternNames(same_day);
  // And the same family name and date, another given name.
  EXPECT_EQ(Groups(P("Olga", "Ivanova", {1990, 5, 12}), P("Irina", "Ivanova", {1990, 5, 12})), 1);
}

TEST(KeyspecV2Test, ANameAloneOrOneSelectorAloneIsOneGroup) {
  EXPECT_EQ(Groups(P("Anna", "Kovalenko", {}), P("Anna", "Kovalenko", {1987, 1, 2})), 1);
  record::Person a = P("Anna", "Kovalenko", {});
  record::Person b = P("Petra", "Novak", {});
  a.phones = {"+380671234567"};
  b.phones = {"00380 67 123 4567"};
  EXPECT_EQ(Groups(a, b), 1);
}

TEST(KeyspecV2Test, ToleratesYearOffByOneTyposAndRomanisation) {
  // A year off by one: the names agree with a near date, one group; with a
  // phone, two.
  record::Person a = P("Oleksandr", "Kovalenko", {1988, 11, 2}, record::Sex::kMale);
  record::Person b = P("Olexandr", "Kowalenko", {1989, 11, 2}, record::Sex::kMale);
  const uint32_t near = Pattern(a, b);
  EXPECT_TRUE(near & (1u << static_cast<int>(KeyType::kNameWordsNearDate))) << PatternNames(near);
  EXPECT_EQ(AgreeingGroups(near), 1) << PatternNames(near);
  a.phones = {"+380671234567"};
  b.phones = {"+380 67 123 4567"};
  EXPECT_EQ(Groups(a, b), 2);
  // A typo in each name part.
  EXPECT_GE(Groups(P("Katherine", "Obrien", {1979, 4, 30}), P("Kathrine", "Obriem", {1979, 4, 30})),
            2);
  // Feminine ending and another romanisation.
  EXPECT_GE(
      Groups(P("Наталья", "Смирнова", {2001, 12, 1}), P("Nataliia", "Smirnov", {2001, 12, 1})), 2);
}

TEST(KeyspecV2Test, NameOrderCompoundSurnamesAndNicknames) {
  // Vietnamese names written in either order.
  EXPECT_GE(Groups(P("Thị Lan", "Nguyễn", {1999, 6, 15}), P("Nguyen", "Thi Lan", {1999, 6, 15})),
            2);
  // A compound surname cut to its first part, a second given name dropped.
  EXPECT_GE(
      Groups(P("María José", "García López", {1985, 2, 9}), P("Maria", "Garcia", {1985, 2, 9})), 2);
  // Slavic diminutives (node/match/data/nicknames_v2.csv), in either script.
  EXPECT_GE(Groups(P("Мария", "Волкова", {1996, 8, 30}), P("Masha", "Volkova", {1996, 8, 30})), 2);
  // A nickname (shared/data/nicknames).
  EXPECT_GE(Groups(P("William", "Turner", {1970, 10, 10}, record::Sex::kMale),
                   P("Bill", "Turner", {1970, 10, 10}, record::Sex::kMale)),
            2);
}

// The classes of misses on the multiscript set the partial-date keys and
// the cognate table were added for (docs/linkage.md "Measured: what the
// partial dates and cognates add").
TEST(KeyspecV2Test, PartialDatesAgreeWithTheSamePartialDateWithinTheNamesGroup) {
  // Both partners know only the year: the names with the year agree, but a
  // year is weak evidence, so they count within the names group.
  const uint32_t year_only = Pattern(P("James", "Penwell", {1993, 0, 0}, record::Sex::kMale),
                                     P("James", "Penwell", {1993, 0, 0}, record::Sex::kMale));
  EXPECT_TRUE(year_only & (1u << static_cast<int>(KeyType::kNameWordsPartialDate)))
      << PatternNames(year_only);
  EXPECT_EQ(AgreeingGroups(year_only), 1) << PatternNames(year_only);
  // The class they are for: the given name a nickname (so no name words
  // agree), the family name with the year, and a phone: two groups.
  record::Person a = P("Dolores", "Serueda", {1965, 0, 0});
  record::Person b = P("Lola", "Serueda", {1965, 0, 0});
  a.phones = {"+34612345678"};
  b.phones = {"0034 612 345 678"};
  const uint32_t family_phone = Pattern(a, b);
  EXPECT_TRUE(family_phone & (1u << static_cast<int>(KeyType::kFamilyPartialDate)))
      << PatternNames(family_phone);
  EXPECT_EQ(AgreeingGroups(family_phone), 2) << PatternNames(family_phone);
  // Without the partial-date keys the same pair is one group (the phone).
  b.family_name = "Serueda-Otra";
  b.dob = {};
  EXPECT_EQ(Groups(a, b), 1);
  // A typo in the family name, the given name with the year, a phone.
  record::Person c = P("Musa", "Ubawale", {1976, 0, 0}, record::Sex::kMale);
  record::Person d = P("Musa", "Ulbawale", {1976, 0, 0}, record::Sex::kMale);
  c.phones = {"+2348031234567"};
  d.phones = {"+2348031234567"};
  const uint32_t given_phone = Pattern(c, d);
  EXPECT_TRUE(given_phone & (1u << static_cast<int>(KeyType::kGivenPartialDate)))
      << PatternNames(given_phone);
  EXPECT_EQ(AgreeingGroups(given_phone), 2) << PatternNames(given_phone);
  // Month and year agree with the same month and year only.
  EXPECT_NE(Pattern(P("Ana", "Popescu", {1980, 4, 0}), P("Ana", "Popescu", {1980, 4, 0})) &
                (1u << static_cast<int>(KeyType::kNameWordsPartialDate)),
            0u);
  EXPECT_EQ(Pattern(P("Ana", "Popescu", {1980, 4, 0}), P("Ana", "Popescu", {1980, 5, 0})) &
                (1u << static_cast<int>(KeyType::kNameWordsPartialDate)),
            0u);
}

TEST(KeyspecV2Test, PartialDatesNeverOpenWithNamesAloneOrOneSelectorAlone) {
  // Names with a partial date, whatever agrees: one group.
  EXPECT_EQ(Groups(P("Ana", "Popescu", {1980, 4, 0}), P("Ana", "Popescu", {1980, 4, 0})), 1);
  EXPECT_EQ(Groups(P("Maria", "Ivanova", {1990, 0, 0}), P("Maria", "Ivanova", {1990, 0, 0})), 1);
  EXPECT_EQ(Groups(P("Maria", "Ivanova", {1990, 0, 0}), P("Maria", "Petrova", {1990, 0, 0})), 1);
  // A partial date never agrees with a full one (nor with another year).
  const uint32_t full = (1u << static_cast<int>(KeyType::kGivenPartialDate)) |
                        (1u << static_cast<int>(KeyType::kFamilyPartialDate)) |
                        (1u << static_cast<int>(KeyType::kNameWordsPartialDate));
  EXPECT_EQ(Pattern(P("Ana", "Popescu", {1980, 0, 0}), P("Ana", "Popescu", {1980, 4, 12})) & full,
            0u);
  EXPECT_EQ(Pattern(P("Ana", "Popescu", {1980, 0, 0}), P("Ana", "Popescu", {1981, 0, 0})) & full,
            0u);
  // One selector and a partial date, other names: one group.
  record::Person a = P("Anna", "Kovalenko", {1990, 0, 0});
  record::Person b = P("Petra", "Novak", {1990, 0, 0});
  a.phones = {"+380671234567"};
  b.phones = {"+380671234567"};
  EXPECT_EQ(Groups(a, b), 1);
  // Sex must agree, as in the full-date keys.
  EXPECT_EQ(Pattern(P("Alex", "Morgan", {1990, 0, 0}, record::Sex::kMale),
                    P("Alex", "Morgan", {1990, 0, 0}, record::Sex::kFemale)) &
                ((1u << static_cast<int>(KeyType::kGivenPartialDate)) |
                 (1u << static_cast<int>(KeyType::kFamilyPartialDate))),
            0u);
}

TEST(KeyspecV2Test, CognatesAcrossLanguagesAgreeAsNicknames) {
  // A Ukrainian name and its French spelling by an interpreter, with the
  // family name and date: two groups (given through the cognate table).
  const uint32_t cognate = Pattern(P("Олександр", "Ващюк", {2002, 11, 18}, record::Sex::kMale),
                                   P("Alexandre", "Ващюк", {2002, 11, 18}, record::Sex::kMale));
  EXPECT_TRUE(cognate & (1u << static_cast<int>(KeyType::kNicknameDate))) << PatternNames(cognate);
  EXPECT_GE(AgreeingGroups(cognate), 2) << PatternNames(cognate);
  EXPECT_GE(Groups(P("Mykhailo", "Bondar", {1970, 2, 3}, record::Sex::kMale),
                   P("Miguel", "Bondar", {1970, 2, 3}, record::Sex::kMale)),
            2);
  // The cognate alone with the date, another family name: one group.
  EXPECT_EQ(Groups(P("Oleksandr", "Bondar", {1970, 2, 3}, record::Sex::kMale),
                   P("Alejandro", "Garcia", {1970, 2, 3}, record::Sex::kMale)),
            1);
}

TEST(KeyspecV2Test, SexMustAgreeUnlessUnknown) {
  EXPECT_LT(Groups(P("Alex", "Morgan", {1990, 1, 20}, record::Sex::kMale),
                   P("Alex", "Morgan", {1990, 1, 20}, record::Sex::kFemale)),
            Groups(P("Alex", "Morgan", {1990, 1, 20}, record::Sex::kMale),
                   P("Alex", "Morgan", {1990, 1, 20}, record::Sex::kUnknown)));
}

TEST(KeyspecV2Test, KeysCarryTheV2PrefixAndOnlyV2PersonTypes) {
  record::Person p = P("Юлия", "Шевченко", {1994, 3, 7});
  p.phones = {"+447700900123"};
  const std::vector<Key> keys = DeriveKeys(p, kV2);
  ASSERT_FALSE(keys.empty());
  for (const Key& k : keys) {
    EXPECT_TRUE(absl::StartsWith(k.bytes, "fedlink/keyspec/v2|")) << Info(k.type).name;
    EXPECT_NE(Info(k.type).keyspec, 1) << Info(k.type).name;
  }
  for (const Key& k : DeriveKeys(p, Options{})) {
    EXPECT_TRUE(absl::StartsWith(k.bytes, "fedlink/keyspec/v1|"));
    EXPECT_NE(Info(k.type).keyspec, 2) << Info(k.type).name;
  }
  EXPECT_EQ(GivenWordsV2("Юлия"), std::vector<std::string>{"iulia"});
  EXPECT_EQ(FamilyWordsV2("García-López"), (std::vector<std::string>{"garcia", "lopec"}));
}

// A policy's key type budget counts records (KeysPerRecord keys of a type
// per unit), and the example policies allow 1.5 units per record of a
// nightly batch: a batch of generated records, of either profile, must fit
// that for every type, and nearly every record alone must fit two units
// (two phones, a name of two words).
TEST(KeyspecV2Test, KeysPerRecordCoversABatchAndNearlyEveryRecord) {
  for (const GeneratorOptions& options :
       {GeneratorOptions{.persons = 2000, .seed = 5}, MultiscriptOptions(2000, 0.4, 5)}) {
    const GeneratedData data = GeneratePeople(options);
    std::map<std::string, uint64_t> total, records_over;
    uint64_t records = 0;
    for (const auto* side : {&data.a, &data.b}) {
      for (const record::Person& p : *side) {
        ++records;
        std::map<std::string, int> mine;
        for (const Key& k : DeriveKeys(p, kV2)) ++mine[Info(k.type).name];
        for (const auto& [type, n] : mine) {
          total[type] += n;
          if (n > 2 * KeysPerRecord(type)) ++records_over[type];
        }
      }
    }
    ASSERT_GT(total["given_variant_date"], 5 * records);  // variants do yield several keys
    for (const auto& [type, n] : total) {
      SCOPED_TRACE(type);
      EXPECT_LE(n * 2, records * KeysPerRecord(type) * 3);  // 1.5 units per record
      EXPECT_LE(records_over[type] * 100, records) << "more than 1% of records exceed two units";
    }
  }
  EXPECT_EQ(KeysPerRecord("phone"), 1);
  EXPECT_EQ(KeysPerRecord("name_dob"), 1);
  EXPECT_EQ(KeysPerRecord("given_variant_date"), KeysPerRecord(KeyType::kGivenVariantDate));
  EXPECT_EQ(KeysPerRecord("not_a_key_type"), 1);
}

TEST(KeyspecV2Test, VersionNumbers) {
  EXPECT_EQ(*ParseVersion(1, "node.conf"), Version::kV1);
  EXPECT_EQ(*ParseVersion(2, "node.conf"), Version::kV2);
  const auto bad = ParseVersion(3, "node.conf");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "node.conf")) << bad.status();
  EXPECT_GT(KeyTypeCount(Version::kV1), 0);
  EXPECT_GT(KeyTypeCount(Version::kV2), 0);
  EXPECT_LE(kKeyTypeCount, 32);  // agreement patterns are 32-bit masks
}

}  // namespace
}  // namespace fedlink::match::keyspec
