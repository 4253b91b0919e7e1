#include "node/normalize/normalize.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::normalize {
namespace {

TEST(NameTest, TransliteratesCyrillicGreekAndDiacritics) {
  EXPECT_EQ(Name("Мария Иванова"), "maria ivanova");
  EXPECT_EQ(Name("Ольга"), "olga");  // the soft sign's prime is dropped
  EXPECT_EQ(Name("Юлия Шевченко"), "ulia sevcenko");
  EXPECT_EQ(Name("Ελένη Παπαδοπούλου"), "elene papadopoulou");
  EXPECT_EQ(Name("José Núñez"), "jose nunez");
  EXPECT_EQ(Name("Łukasz Wójcik"), "lukasz wojcik");
  EXPECT_EQ(Name("Ștefan Țurcanu"), "stefan turcanu");
  EXPECT_EQ(Name("Nguyễn Thị Lan"), "nguyen thi lan");
  EXPECT_EQ(Name("MÜLLER"), "muller");
}

TEST(NameTest, FoldsCaseCompatibilityFormsAndPunctuation) {
  EXPECT_EQ(Name("  O'Brien-Smith  "), "obrien smith");
  EXPECT_EQ(Name("ＭＡＲＩＡ"), "maria");  // full-width (NFKC)
  EXPECT_EQ(Name("Straße"), "strasse");
  EXPECT_EQ(Name("anna\tmaria"), "anna maria");
  EXPECT_EQ(Name(""), "");
  EXPECT_EQ(Name("!!!"), "");
}

TEST(PhoneTest, ToE164WithDefaultRegion) {
  EXPECT_EQ(*Phone("+44 20 7946 0000", "GB"), "+442079460000");
  EXPECT_EQ(*Phone("020 7946 0000", "GB"), "+442079460000");
  EXPECT_EQ(*Phone("0044 20 7946 0000", "UA"), "+442079460000");
  EXPECT_EQ(*Phone("(+380) 67-123-4567", "GB"), "+380671234567");
  EXPECT_EQ(*Phone("067 123 4567", "UA"), "+380671234567");
}

TEST(PhoneTest, RejectsNonNumbers) {
  EXPECT_FALSE(Phone("not a phone", "GB").ok());
  EXPECT_FALSE(Phone("12", "GB").ok());
  EXPECT_FALSE(Phone("", "GB").ok());
  EXPECT_FALSE(Phone("+44 1", "GB").ok());
  auto s = Phone("+44 1", "GB").status();
  EXPECT_EQ(std::string(s.message()).find("+44"),
            std::string::npos);  // no value in errors
}

// Found by fuzz_normalize: this parsed (region UA) to a number whose E.164
// form parsed to another one, so normalising twice gave two values.
TEST(PhoneTest, WhatItAcceptsNormalisesToItself) {
  for (const char* text : {"@@@(0000 2020000-123#", "067 123 4567", "0044 20 7946 0000"}) {
    auto once = Phone(text, "UA");
    if (!once.ok()) continue;
    auto twice = Phone(*once, "UA");
    ASSERT_TRUE(twice.ok()) << text;
    EXPECT_EQ(*twice, *once) << text;
  }
  EXPECT_TRUE(Phone("067 123 4567", "UA").ok());
}

TEST(SelectorTest, EmailsDocumentsPlatesHandles) {
  EXPECT_EQ(*Email("  Maria.Ivanova@Example.ORG "), "maria.ivanova@example.org");
  EXPECT_FALSE(Email("no-at-sign").ok());
  EXPECT_FALSE(Email("a@b@c.org").ok());
  EXPECT_FALSE(Email("@example.org").ok());
  EXPECT_FALSE(Email("a@localhost").ok());
  EXPECT_EQ(*Document("ua 123-456/78"), "UA12345678");
  EXPECT_FALSE(Document("a-1").ok());
  EXPECT_EQ(*Plate("ab12 cde"), "AB12CDE");
  EXPECT_EQ(*Handle("@Mash_1"), "mash_1");
  EXPECT_FALSE(Handle("@").ok());
}

// Found by fuzz_normalize: "@ @x" gave "@x" (the '@' was stripped before
// the spaces were), and a tab stayed inside, so normalising a handle again
// gave another key.
TEST(SelectorTest, HandleIsIdempotentWithoutLeadingAt) {
  EXPECT_EQ(*Handle("@ @Mash_1"), "mash_1");
  EXPECT_EQ(*Handle("@\tmash\n_1"), "mash_1");
  for (const char* v : {"@ @x1", "@\t\x01\x02", " @@ ab c ", "x\t@y"}) {
    auto once = Handle(v);
    ASSERT_TRUE(once.ok()) << v;
    EXPECT_NE(once->front(), '@') << v;
    auto twice = Handle(*once);
    ASSERT_TRUE(twice.ok()) << v;
    EXPECT_EQ(*twice, *once) << v;
  }
}

TEST(IbanTest, ValidatesChecksum) {
  EXPECT_EQ(*Iban("gb82 west 1234 5698 7654 32"), "GB82WEST12345698765432");
  EXPECT_EQ(*Iban("DE89370400440532013000"), "DE89370400440532013000");
  EXPECT_FALSE(Iban("GB82WEST12345698765433").ok());  // one digit off
  EXPECT_FALSE(Iban("GB28WEST12345698765432").ok());  // swapped check digits
  EXPECT_FALSE(Iban("82GBWEST12345698765432").ok());
  EXPECT_FALSE(Iban("GB82").ok());
  EXPECT_TRUE(IbanChecksumValid("GB82WEST12345698765432"));
}

}  // namespace
}  // namespace fedlink::normalize
