#include "node/normalize/language.h"

#include "gtest/gtest.h"

namespace fedlink::normalize {
namespace {

TEST(LanguageNameTest, NamesLanguagesInEnglish) {
  EXPECT_EQ(LanguageName("uk"), "Ukrainian");
  EXPECT_EQ(LanguageName("ro"), "Romanian");
  EXPECT_EQ(LanguageName("pt-BR"), "Portuguese (Brazil)");
}

TEST(LanguageNameTest, NamesLanguagesInAnotherLanguage) {
  EXPECT_EQ(LanguageName("de", "fr"), "allemand");
}

TEST(LanguageNameTest, EmptyStaysEmpty) { EXPECT_EQ(LanguageName(""), ""); }

}  // namespace
}  // namespace fedlink::normalize
