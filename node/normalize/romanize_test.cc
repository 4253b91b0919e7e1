#include "node/normalize/romanize.h"

#include "gtest/gtest.h"

namespace fedlink::normalize {
namespace {

TEST(RomanizeNameTest, TransliteratesCyrillicByLanguageWithBgn) {
  // Any-Latin would give "ulia sevcenko", which folds with no Latin spelling.
  EXPECT_EQ(RomanizeName("Юлия Шевченко"), "yuliya shevchenko");     // Russian
  EXPECT_EQ(RomanizeName("Юлія Шевченко"), "yuliya shevchenko");     // Ukrainian
  EXPECT_EQ(RomanizeName("Олександр Їжак"), "oleksandr yizhak");     // Ukrainian: ї
  EXPECT_EQ(RomanizeName("Ксения Хрущёва"), "kseniya khrushcheva");  // Russian: ё
  // Гонюк has no letter only Ukrainian uses: the record's nationality decides.
  EXPECT_EQ(RomanizeName("Гонюк"), "gonyuk");
  EXPECT_EQ(RomanizeName("Гонюк", "UA"), "honyuk");
}

TEST(RomanizeNameTest, OtherScriptsAndLatinAsName) {
  EXPECT_EQ(RomanizeName("Ελένη"), "elene");
  EXPECT_EQ(RomanizeName("Nguyễn Thị Lan"), "nguyen thi lan");
  EXPECT_EQ(RomanizeName("Ștefan Țurcanu"), "stefan turcanu");
  EXPECT_EQ(RomanizeName("O'Brien-Smith"), "obrien smith");
  EXPECT_EQ(RomanizeName(""), "");
}

TEST(FoldRomanisationTest, PassportGermanAndEnglishSpellingsFoldTogether) {
  EXPECT_EQ(FoldRomanisation("yuliya"), "iulia");  // BGN
  EXPECT_EQ(FoldRomanisation("iuliia"), "iulia");  // ICAO 9303
  EXPECT_EQ(FoldRomanisation("julia"), "iulia");   // German
  EXPECT_EQ(FoldRomanisation("yulia"), "iulia");
  EXPECT_EQ(FoldRomanisation("schewtschenko"), FoldRomanisation("shevchenko"));  // German
  EXPECT_EQ(FoldRomanisation("chevtchenko"), FoldRomanisation("shevchenko"));    // French
  EXPECT_EQ(FoldRomanisation("ioulia"), "iulia");                                // French
  EXPECT_EQ(FoldRomanisation("kovaltchouk"), FoldRomanisation("kowaltschuk"));
  EXPECT_EQ(FoldRomanisation("shcherbak"), FoldRomanisation("schtscherbak"));
  EXPECT_EQ(FoldRomanisation("mikhail"), FoldRomanisation("mihail"));
  EXPECT_EQ(FoldRomanisation("aleksandr"), FoldRomanisation("alexandr"));
  EXPECT_EQ(FoldRomanisation("tsvetaeva"), FoldRomanisation("zvetaeva"));
  EXPECT_EQ(FoldRomanisation("yekaterina"), FoldRomanisation("ekaterina"));
  EXPECT_EQ(FoldRomanisation("anna"), FoldRomanisation("ana"));
  EXPECT_NE(FoldRomanisation("maria"), FoldRomanisation("marta"));
}

TEST(FoldFamilyEndingTest, FeminineAndMasculineSlavicEndings) {
  EXPECT_EQ(FoldFamilyEnding("ivanova"), "ivanov");
  EXPECT_EQ(FoldFamilyEnding("ivanov"), "ivanov");
  EXPECT_EQ(FoldFamilyEnding(FoldRomanisation("kowalska")), FoldFamilyEnding("kovalski"));
  EXPECT_EQ(FoldFamilyEnding(FoldRomanisation("vysotskaya")),
            FoldFamilyEnding(FoldRomanisation("vysotskiy")));
  EXPECT_EQ(FoldFamilyEnding("ana"), "ana");  // too short to have an ending
}

}  // namespace
}  // namespace fedlink::normalize
