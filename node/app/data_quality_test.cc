// The data-quality report (records quality, import --report).
#include "node/app/data_quality.h"

#include <algorithm>

#include "gtest/gtest.h"

namespace fedlink::app {
namespace {

const FieldQuality& Field(const DataQuality& q, const std::string& name) {
  return *std::find_if(q.fields.begin(), q.fields.end(),
                       [&](const FieldQuality& f) { return f.field == name; });
}

record::Person P(std::string id, std::string given, std::string family, record::PartialDate dob) {
  record::Person p;
  p.external_id = std::move(id);
  p.given_name = std::move(given);
  p.family_name = std::move(family);
  p.dob = dob;
  return p;
}

TEST(DataQualityTest, CountsPresentAndUnusableValuesAndRecordsBelowT) {
  std::vector<record::Person> persons = {
      P("R-1", "Юлия", "Шевченко", {1994, 3, 7}),  // reaches t on its own
      P("R-2", "Maria", "", {}),                   // a name alone: one group
      P("R-3", "!!!", "Novak", {1990, 0, 0}),      // no letters; no day or month
  };
  persons[1].phones = {"not a number"};
  persons[2].phones = {"+447700900123"};
  persons[2].ibans = {"GB00 0000"};
  for (const match::keyspec::Version v :
       {match::keyspec::Version::kV1, match::keyspec::Version::kV2}) {
    const DataQuality q = AssessDataQuality(persons, {"GB", v});
    EXPECT_EQ(q.records, 3u);
    EXPECT_EQ(q.keyspec, static_cast<int>(v));
    EXPECT_EQ(Field(q, "given_name").present, 3u);
    EXPECT_EQ(Field(q, "given_name").unusable, 1u);
    EXPECT_EQ(Field(q, "family_name").present, 2u);
    EXPECT_EQ(Field(q, "dob").present, 2u);
    EXPECT_EQ(Field(q, "dob").unusable, 1u);
    EXPECT_EQ(Field(q, "phone").present, 2u);
    EXPECT_EQ(Field(q, "phone").unusable, 1u);
    EXPECT_EQ(Field(q, "iban").unusable, 1u);
    // R-2 has no key at all that could agree with a second group. R-3 has
    // a phone and a family name without a given name: with v1 nothing
    // else; v2 keys the family name with the year alone
    // (family_partial_date, names group), which with the phone reaches t.
    EXPECT_EQ(q.cannot_reach_t, v == match::keyspec::Version::kV1
                                    ? (std::vector<std::string>{"R-2", "R-3"})
                                    : (std::vector<std::string>{"R-2"}));
    size_t counted = 0;
    for (size_t n : q.records_by_groups) counted += n;
    EXPECT_EQ(counted, 3u);
    EXPECT_GT(q.key_types_per_record, 0);
  }
}

}  // namespace
}  // namespace fedlink::app
