#include "node/match/generator.h"

#include <cstdlib>
#include <map>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/importer/importer.h"

namespace fedlink::match {
namespace {

TEST(GeneratorTest, IbanCheckDigitsMatchTheStandardExample) {
  // ISO 13616 / ECBS example IBAN.
  EXPECT_EQ(IbanWithCheckDigits("GB", "WEST12345698765432"), "GB82WEST12345698765432");
  EXPECT_EQ(IbanWithCheckDigits("DE", "370400440532013000"), "DE89370400440532013000");
}

TEST(GeneratorTest, SizesOverlapAndTruthAreConsistent) {
  GeneratorOptions o;
  o.persons = 500;
  o.overlap = 0.3;
  GeneratedData d = GeneratePeople(o);
  EXPECT_EQ(d.a.size(), 500u);
  EXPECT_EQ(d.b.size(), 500u);
  EXPECT_EQ(d.truth.size(), 150u);
  std::set<std::string> a_ids, b_ids;
  for (const record::Person& p : d.a) a_ids.insert(p.external_id);
  for (const record::Person& p : d.b) b_ids.insert(p.external_id);
  EXPECT_EQ(a_ids.size(), 500u);
  EXPECT_EQ(b_ids.size(), 500u);
  std::set<std::string> truth_b;
  for (const auto& [a, b] : d.truth) {
    EXPECT_TRUE(a_ids.count(a)) << a;
    EXPECT_TRUE(b_ids.count(b)) << b;
    truth_b.insert(b);
  }
  EXPECT_EQ(truth_b.size(), 150u);  // one-to-one
}

TEST(GeneratorTest, DeterministicPerSeed) {
  GeneratorOptions o;
  o.persons = 200;
  GeneratedData x = GeneratePeople(o);
  GeneratedData y = GeneratePeople(o);
  EXPECT_EQ(x.a, y.a);
  EXPECT_EQ(x.b, y.b);
  o.seed = 2;
  GeneratedData z = GeneratePeople(o);
  EXPECT_NE(x.a, z.a);
}

TEST(GeneratorTest, SharedPeopleAreCorruptedButNotAlways) {
  GeneratorOptions o;
  o.persons = 2000;
  o.overlap = 0.5;
  GeneratedData d = GeneratePeople(o);
  std::map<std::string, const record::Person*> a, b;
  for (const record::Person& p : d.a) a[p.external_id] = &p;
  for (const record::Person& p : d.b) b[p.external_id] = &p;
  int names_differ = 0, phones_differ = 0, dob_missing = 0, native_script = 0;
  for (const auto& [ida, idb] : d.truth) {
    const record::Person& pa = *a[ida];
    const record::Person& pb = *b[idb];
    EXPECT_EQ(pa.role, pb.role);
    if (pa.given_name != pb.given_name || pa.family_name != pb.family_name) ++names_differ;
    if (pa.phones != pb.phones) ++phones_differ;
    if (pb.dob.empty()) ++dob_missing;
    if (static_cast<unsigned char>(pb.family_name[0]) >= 0xC0) ++native_script;
  }
  const int n = static_cast<int>(d.truth.size());
  EXPECT_GT(names_differ, n / 5);
  EXPECT_LT(names_differ, n);
  EXPECT_GT(phones_differ, n / 5);
  EXPECT_GT(dob_missing, 0);
  EXPECT_GT(native_script, 0);
}

TEST(GeneratorTest, OutputImportsCleanly) {
  GeneratorOptions o;
  o.persons = 300;
  GeneratedData d = GeneratePeople(o);
  auto back =
      importer::ParsePersons(importer::PersonsToCsv(d.b), "b.csv", importer::ImportOptions{});
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, d.b);
}

TEST(GeneratorTest, MultiscriptProfileHasEveryCorruptionClass) {
  GeneratedData d = GeneratePeople(MultiscriptOptions(3000, 0.5, 7));
  ASSERT_EQ(d.truth.size(), 1500u);
  std::map<std::string, const record::Person*> a, b;
  for (const record::Person& p : d.a) a[p.external_id] = &p;
  for (const record::Person& p : d.b) b[p.external_id] = &p;
  int cyrillic = 0, year_off = 0, cut_compound = 0, swapped = 0, sex_unknown = 0, no_phone = 0;
  for (const auto& [ida, idb] : d.truth) {
    const record::Person& pa = *a[ida];
    const record::Person& pb = *b[idb];
    if (static_cast<unsigned char>(pb.family_name[0]) == 0xD0 ||
        static_cast<unsigned char>(pb.family_name[0]) == 0xD1) {
      ++cyrillic;
    }
    if (pa.dob.year != 0 && pb.dob.year != 0 && std::abs(pa.dob.year - pb.dob.year) == 1) {
      ++year_off;
    }
    if (pa.family_name.find(' ') != std::string::npos &&
        pb.family_name.find(' ') == std::string::npos && pb.family_name != pa.given_name) {
      ++cut_compound;
    }
    if (pa.given_name == pb.family_name && pa.family_name == pb.given_name) ++swapped;
    if (pb.sex == record::Sex::kUnknown) ++sex_unknown;
    if (!pa.phones.empty() && pb.phones.empty()) ++no_phone;
  }
  EXPECT_GT(cyrillic, 20);
  EXPECT_GT(year_off, 20);
  EXPECT_GT(cut_compound, 10);
  EXPECT_GT(swapped, 10);
  EXPECT_GT(sex_unknown, 50);
  EXPECT_GT(no_phone, 300);
  // Deterministic, and not the default profile's people.
  EXPECT_EQ(GeneratePeople(MultiscriptOptions(3000, 0.5, 7)).b, d.b);
  GeneratorOptions plain;
  plain.persons = 3000;
  plain.overlap = 0.5;
  plain.seed = 7;
  EXPECT_NE(GeneratePeople(plain).a, d.a);
  EXPECT_EQ(*ParseProfile("multiscript"), Profile::kMultiscript);
  EXPECT_FALSE(ParseProfile("klingon").ok());
}

}  // namespace
}  // namespace fedlink::match
