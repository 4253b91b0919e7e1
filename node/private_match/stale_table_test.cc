#include "node/private_match/stale_table.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace fedlink::private_match {
namespace {

TEST(StaleTableTest, MarkedErrorIsStaleAndSaysSo) {
  const absl::Status s = StaleTableError("ours 'a', now 'b'");
  EXPECT_TRUE(IsStaleTable(s));
  EXPECT_TRUE(absl::IsFailedPrecondition(s));
  EXPECT_NE(s.message().find(kStaleTable), absl::string_view::npos);
}

TEST(StaleTableTest, TheSameTextWithoutTheMarkIsNotStale) {
  // Deciding by the message would take this for a stale table.
  EXPECT_FALSE(IsStaleTable(absl::FailedPreconditionError(kStaleTable)));
  EXPECT_FALSE(IsStaleTable(absl::OkStatus()));
  EXPECT_FALSE(IsStaleTable(absl::DataLossError("answer does not match our request")));
}

TEST(StaleTableTest, TheMarkSurvivesRewording) {
  const absl::Status original = StaleTableError("x");
  const absl::Status wrapped = WithPayloadsOf(
      absl::Status(original.code(), absl::StrCat("ngo-1: evaluate: ", original.message())),
      original);
  EXPECT_TRUE(IsStaleTable(wrapped));
  EXPECT_FALSE(IsStaleTable(absl::Status(original.code(), original.message())));
}

}  // namespace
}  // namespace fedlink::private_match
