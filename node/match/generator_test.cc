#include "node/match/generator.h"

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

}  // namespace
}  // namespace fedlink::match
