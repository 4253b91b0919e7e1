#include "node/record/person.h"

#include "gtest/gtest.h"

namespace fedlink::record {
namespace {

TEST(PartialDateTest, ParsesFullForms) {
  const PartialDate want{1987, 3, 14};
  for (const char* text :
       {"19870314", "1987-03-14", "14/03/1987", "14.03.1987", "1987-3-14", " 1987-03-14 "}) {
    auto got = ParsePartialDate(text);
    ASSERT_TRUE(got.ok()) << text << ": " << got.status();
    EXPECT_EQ(*got, want) << text;
  }
}

TEST(PartialDateTest, ParsesPartialForms) {
  EXPECT_EQ(*ParsePartialDate("1987"), (PartialDate{1987, 0, 0}));
  EXPECT_EQ(*ParsePartialDate("1987-03"), (PartialDate{1987, 3, 0}));
  EXPECT_EQ(*ParsePartialDate("198703"), (PartialDate{1987, 3, 0}));
  EXPECT_EQ(*ParsePartialDate("03/1987"), (PartialDate{1987, 3, 0}));
}

TEST(PartialDateTest, HandlesLeapYears) {
  EXPECT_TRUE(ParsePartialDate("2000-02-29").ok());
  EXPECT_TRUE(ParsePartialDate("2004-02-29").ok());
  EXPECT_FALSE(ParsePartialDate("1900-02-29").ok());
  EXPECT_FALSE(ParsePartialDate("2001-02-29").ok());
}

TEST(PartialDateTest, RejectsBadDates) {
  for (const char* text : {"", "1987-13-01", "1987-00-05", "19870230", "32/01/1990", "1987/03/14/1",
                           "abcd", "87-03-14", "1987-03-14x", "12345", "0000-01-01", "1987--03"}) {
    EXPECT_FALSE(ParsePartialDate(text).ok()) << "'" << text << "'";
  }
}

TEST(PartialDateTest, ErrorDoesNotEchoInput) {
  auto got = ParsePartialDate("31/02/1999");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message().find("1999"), absl::string_view::npos);
}

TEST(PartialDateTest, FormatsAsIso) {
  EXPECT_EQ((PartialDate{1987, 3, 14}).ToString(), "1987-03-14");
  EXPECT_EQ((PartialDate{1987, 3, 0}).ToString(), "1987-03");
  EXPECT_EQ((PartialDate{1987, 0, 0}).ToString(), "1987");
  EXPECT_EQ(PartialDate{}.ToString(), "");
}

TEST(RoleTest, ParsesAndNames) {
  EXPECT_EQ(*ParseRole("Victim"), Role::kVictim);
  EXPECT_EQ(*ParseRole(" suspect "), Role::kSuspect);
  EXPECT_EQ(RoleName(Role::kWitness), "witness");
  EXPECT_FALSE(ParseRole("boss").ok());
  EXPECT_FALSE(ParseRole("").ok());
}

TEST(LanguageTagTest, NormalisesWellFormedTags) {
  EXPECT_EQ(*ParseLanguageTag("uk"), "uk");
  EXPECT_EQ(*ParseLanguageTag(" PT_br "), "pt-BR");
  EXPECT_EQ(*ParseLanguageTag("sr-latn-RS"), "sr-Latn-RS");
  EXPECT_EQ(*ParseLanguageTag(""), "");
}

TEST(LanguageTagTest, RefusesAnythingElseWithoutEchoingIt) {
  for (const char* bad : {"q", "ukrainian", "uk-", "uk--UA", "12", "uk-UA-x-toolongsubtag1",
                          "<script>", "a-b-c-d-e"}) {
    auto tag = ParseLanguageTag(bad);
    EXPECT_FALSE(tag.ok()) << bad;
    if (!tag.ok()) {
      EXPECT_EQ(tag.status().message().find(bad), std::string::npos) << bad;
    }
  }
}

TEST(SexTest, ParsesAndNames) {
  EXPECT_EQ(*ParseSex("F"), Sex::kFemale);
  EXPECT_EQ(*ParseSex("male"), Sex::kMale);
  EXPECT_EQ(*ParseSex(""), Sex::kUnknown);
  EXPECT_FALSE(ParseSex("q").ok());
}

}  // namespace
}  // namespace fedlink::record

namespace fedlink::record {
namespace {

TEST(CivilDaysTest, RoundTripsAndKnownAnswers) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  for (int64_t d = -50000; d < 50000; d += 97) {
    PartialDate p = CivilFromDays(d);
    EXPECT_EQ(DaysFromCivil(p.year, p.month, p.day), d);
  }
}

}  // namespace
}  // namespace fedlink::record
