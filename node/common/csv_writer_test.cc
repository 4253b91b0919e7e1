#include "node/common/csv_writer.h"

#include <string>

#include "gtest/gtest.h"
#include "node/common/safe_text.h"

namespace fedlink::common {
namespace {

std::string Row(absl::string_view value) {
  CsvWriter csv({"a", "b"});
  csv.TakeText();
  csv.Field(value).OwnField("x").EndRow();
  return csv.TakeText();
}

TEST(CsvWriterTest, OrdinaryValuesAreWrittenAsTheyAre) {
  CsvWriter csv({"peer", "handle", "score", "keys", "role"});
  csv.Field("police").Field("h3f9a").Number(31.25).Field("name_dob+phone").Field("victim").EndRow();
  csv.Field("ngo-2").Field("").Number(-4.0).Field("").Field("witness").EndRow();
  csv.OwnField("+40721000000").Integer(17).OwnField("Zoë Ștefănescu").EndRow();
  EXPECT_EQ(csv.text(),
            "peer,handle,score,keys,role\n"
            "police,h3f9a,31.2,name_dob+phone,victim\n"
            "ngo-2,,-4.0,,witness\n"
            "+40721000000,17,Zoë Ștefănescu\n");
}

TEST(CsvWriterTest, QuotesCommasAndDoublesQuotes) {
  EXPECT_EQ(Row("a,b"), "\"a,b\",x\n");
  EXPECT_EQ(Row("say \"hi\""), "\"say \"\"hi\"\"\",x\n");
  EXPECT_EQ(Row("\""), "\"\"\"\",x\n");
}

TEST(CsvWriterTest, NewlinesNeverBreakTheRow) {
  EXPECT_EQ(Row("a\nevil,row,9.9"), "\"a\\x0aevil,row,9.9\",x\n");
  EXPECT_EQ(Row("a\r\nb"), "a\\x0d\\x0ab,x\n");
}

TEST(CsvWriterTest, EscapeSequencesAreNotEmittedRaw) {
  EXPECT_EQ(Row("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m,x\n");
  EXPECT_EQ(Row("\x1b]8;;http://x\x07link"), "\\x1b]8;;http://x\\x07link,x\n");
  EXPECT_EQ(Row("c1\xc2\x9b"
                "31m"),
            "c1\\xc2\\x9b31m,x\n");  // 8-bit CSI
}

TEST(CsvWriterTest, NulAndDelAreEscaped) {
  EXPECT_EQ(Row(std::string("a\0b\x7f", 4)), "a\\x00b\\x7f,x\n");
}

TEST(CsvWriterTest, FormulaLikePeerFieldsArePrefixed) {
  EXPECT_EQ(Row("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",x\n");
  EXPECT_EQ(Row("+1"), "'+1,x\n");
  EXPECT_EQ(Row("-2+3"), "'-2+3,x\n");
  EXPECT_EQ(Row("@SUM(A1)"), "'@SUM(A1),x\n");
  EXPECT_EQ(Row("a=b"), "a=b,x\n");
  // Own data that must read back (a phone number) is not prefixed.
  EXPECT_EQ(CsvField("+40721000000", /*untrusted=*/false), "+40721000000");
}

TEST(CsvWriterTest, AlwaysQuotedColumns) {
  EXPECT_EQ(CsvField("ok", true, CsvQuoting::kAlways), "\"ok\"");
  EXPECT_EQ(CsvField("", true, CsvQuoting::kAlways), "\"\"");
}

TEST(CsvWriterTest, TakeTextStreamsRowByRow) {
  CsvWriter csv({"id"});
  EXPECT_EQ(csv.TakeText(), "id\n");
  csv.OwnField("1").EndRow();
  EXPECT_EQ(csv.TakeText(), "1\n");
  csv.OwnField("2").EndRow();
  EXPECT_EQ(csv.TakeText(), "2\n");
}

TEST(SafeTextTest, OrdinaryTextIsUnchanged) {
  for (const char* s : {"", "police", "CASE-2026-17", "Ана Попеску", "İstanbul 東京 🙂",
                        "a\\x1b is only text", "100%"}) {
    EXPECT_EQ(EscapeForDisplay(s), s);
  }
}

TEST(SafeTextTest, ControlsBecomeHexEscapes) {
  EXPECT_EQ(EscapeForDisplay("a\tb\nc\rd\x1b[2J"), "a\\x09b\\x0ac\\x0dd\\x1b[2J");
  EXPECT_EQ(EscapeForDisplay(std::string("\0", 1)), "\\x00");
  EXPECT_EQ(EscapeForDisplay("\x7f\xc2\x80\xc2\x9f"), "\\x7f\\xc2\\x80\\xc2\\x9f");
  EXPECT_EQ(EscapeForDisplay("\xc2\xa0"), "\xc2\xa0");  // U+00A0 is not a control
}

TEST(SafeTextTest, MalformedUtf8BytesAreEscaped) {
  EXPECT_EQ(EscapeForDisplay("\x9b"), "\\x9b");                    // stray continuation (8-bit CSI)
  EXPECT_EQ(EscapeForDisplay("\xc0\x8a"), "\\xc0\\x8a");           // overlong LF
  EXPECT_EQ(EscapeForDisplay("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
  EXPECT_EQ(EscapeForDisplay("ab\xe2\x82"), "ab\\xe2\\x82");       // truncated
  EXPECT_EQ(EscapeForDisplay("\xff"), "\\xff");
}

TEST(SafeTextTest, BidiAndLineSeparatorsAreEscaped) {
  EXPECT_EQ(EscapeForDisplay("a\xe2\x80\xae"
                             "b"),
            "a\\u202Eb");
  EXPECT_EQ(EscapeForDisplay("a\xe2\x80\xa8"
                             "b"),
            "a\\u2028b");
  EXPECT_EQ(EscapeForDisplay("\xe2\x81\xa6x\xe2\x81\xa9"), "\\u2066x\\u2069");
}

}  // namespace
}  // namespace fedlink::common
