#include "node/web/form.h"

#include "gtest/gtest.h"

namespace fedlink::web {
namespace {

TEST(FormTest, DecodesPlusPercentAndAnyScript) {
  auto form = ParseForm("given=%D0%9C%D0%B0%D1%80%D0%B8%D1%8F&family=Van+der+Berg&empty=&flag");
  ASSERT_TRUE(form.ok()) << form.status();
  EXPECT_EQ(form->at("given"), "Мария");
  EXPECT_EQ(form->at("family"), "Van der Berg");
  EXPECT_EQ(form->at("empty"), "");
  EXPECT_EQ(form->at("flag"), "");
}

TEST(FormTest, LaterValueOfANameWins) {
  auto form = ParseForm("a=1&a=2");
  ASSERT_TRUE(form.ok());
  EXPECT_EQ(form->at("a"), "2");
}

TEST(FormTest, RefusesMalformedEscapesAndTooManyFields) {
  EXPECT_FALSE(ParseForm("a=%4").ok());
  EXPECT_FALSE(ParseForm("a=%").ok());
  EXPECT_FALSE(ParseForm("a=%zz").ok());
  EXPECT_FALSE(ParseForm("a=1&b=2&c=3", 2).ok());
  EXPECT_TRUE(ParseForm("a=1&b=2", 2).ok());
}

TEST(FormTest, FindsACookieAmongOthers) {
  EXPECT_EQ(CookieValue("x=1; __Host-fedlink=abc; y=2", "__Host-fedlink"), "abc");
  EXPECT_EQ(CookieValue("fedlinkx=1", "fedlink"), "");
  EXPECT_EQ(CookieValue("", "fedlink"), "");
}

}  // namespace
}  // namespace fedlink::web
