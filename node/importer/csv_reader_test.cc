#include "node/importer/csv_reader.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::importer {
namespace {

using ::testing::ElementsAre;

TEST(CsvReaderTest, ReadsQuotedFieldsAndLineNumbers) {
  CsvReader r("a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\n\n\"multi\nline\",2,3\n");
  std::vector<std::string> row;
  ASSERT_TRUE(r.Next(&row));
  EXPECT_EQ(r.line(), 1);
  EXPECT_THAT(row, ElementsAre("a", "b", "c"));
  ASSERT_TRUE(r.Next(&row));
  EXPECT_EQ(r.line(), 2);
  EXPECT_THAT(row, ElementsAre("x,1", "say \"hi\"", ""));
  ASSERT_TRUE(r.Next(&row));
  EXPECT_EQ(r.line(), 4);
  EXPECT_THAT(row, ElementsAre("multi\nline", "2", "3"));
  EXPECT_FALSE(r.Next(&row));
  EXPECT_TRUE(r.status().ok());
}

TEST(CsvReaderTest, SkipsByteOrderMarkAndHandlesMissingFinalNewline) {
  CsvReader r("\xEF\xBB\xBFid,name\n1,Ana");
  std::vector<std::string> row;
  ASSERT_TRUE(r.Next(&row));
  EXPECT_THAT(row, ElementsAre("id", "name"));
  ASSERT_TRUE(r.Next(&row));
  EXPECT_THAT(row, ElementsAre("1", "Ana"));
  EXPECT_FALSE(r.Next(&row));
}

TEST(CsvReaderTest, RejectsUnterminatedQuote) {
  CsvReader r("a,b\n1,\"open\n2,3\n");
  std::vector<std::string> row;
  ASSERT_TRUE(r.Next(&row));
  EXPECT_FALSE(r.Next(&row));
  EXPECT_FALSE(r.status().ok());
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr("line 2"));
}

TEST(CsvReaderTest, RejectsStrayQuotes) {
  std::vector<std::string> row;
  CsvReader a("x\"y,z\n");
  EXPECT_FALSE(a.Next(&row));
  EXPECT_FALSE(a.status().ok());
  CsvReader b("\"x\"y,z\n");
  EXPECT_FALSE(b.Next(&row));
  EXPECT_FALSE(b.status().ok());
}

}  // namespace
}  // namespace fedlink::importer
