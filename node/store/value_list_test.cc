#include "node/store/value_list.h"

#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::store {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ValueListTest, EncodesKnownAnswer) {
  std::string out;
  EncodeList({"ab", "", "c"}, &out);
  EXPECT_EQ(out, std::string("\x02"
                             "ab"
                             "\x00"
                             "\x01"
                             "c",
                             6));
  EncodeList({}, &out);
  EXPECT_EQ(out, "");
}

TEST(ValueListTest, RoundTripsRandomListsIncludingLongAndBinaryValues) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<std::string> values(rng() % 6);
    for (auto& v : values) {
      v.resize(rng() % 3 == 0 ? rng() % 20000 : rng() % 10);
      for (char& c : v) c = static_cast<char>(rng());
    }
    std::string encoded;
    EncodeList(values, &encoded);
    std::vector<std::string> back;
    ASSERT_TRUE(DecodeList(encoded, &back));
    EXPECT_EQ(back, values);
  }
}

TEST(ValueListTest, RejectsTruncatedAndOverlongEncodings) {
  std::vector<std::string> out;
  EXPECT_FALSE(DecodeList(std::string("\x05"
                                      "ab",
                                      3),
                          &out));  // length past end
  out.clear();
  EXPECT_FALSE(DecodeList(std::string("\x80", 1), &out));  // unfinished varint
  out.clear();
  EXPECT_FALSE(DecodeList(std::string("\xff\xff\xff\xff\xff\x01", 6),
                          &out));  // too long
  out.clear();
  EXPECT_TRUE(DecodeList("", &out));
  EXPECT_THAT(out, IsEmpty());
  EXPECT_TRUE(DecodeList(std::string("\x01"
                                     "x",
                                     2),
                         &out));
  EXPECT_THAT(out, ElementsAre("x"));
}

}  // namespace
}  // namespace fedlink::store
