// The logger's two formats, its levels and its escaping.
#include "node/common/logger.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::common {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kT = absl::FromUnixMillis(1'800'000'000'123);

TEST(LoggerTest, TextLineHasTimeLevelComponentEventAndFields) {
  EXPECT_EQ(FormatLogLine(LogFormat::kText, kT, LogLevel::kInfo, "serve", "node.ready",
                          {{"node", "police"}, {"empty", ""}, {"peers", 3}}),
            "2027-01-15T08:00:00.123Z INFO serve node.ready node=police peers=3");
}

TEST(LoggerTest, TextValuesWithSpacesAreQuotedAndNoLineCanBeForged) {
  const std::string line =
      FormatLogLine(LogFormat::kText, kT, LogLevel::kWarning, "serve", "policy.refused",
                    {{"error", "p.txtpb:3: bad \"x\"\nnode.ready forged=1"}});
  EXPECT_EQ(line,
            "2027-01-15T08:00:00.123Z WARNING serve policy.refused "
            "error=\"p.txtpb:3: bad \\\"x\\\"\\\\x0anode.ready forged=1\"");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(LoggerTest, JsonLineIsOneObjectWithEscapedStrings) {
  EXPECT_EQ(FormatLogLine(LogFormat::kJson, kT, LogLevel::kError, "grpc", "grpc.log",
                          {{"message", "a \"b\" \\ c\x1b"}}),
            "{\"time\":\"2027-01-15T08:00:00.123Z\",\"level\":\"error\",\"component\":\"grpc\","
            "\"event\":\"grpc.log\",\"message\":\"a \\\"b\\\" \\\\ c\\\\x1b\"}");
}

TEST(LoggerTest, LevelsBelowTheMinimumAreNotWritten) {
  std::vector<std::string> lines;
  SetLogSinkForTest([&lines](const std::string& l) { lines.push_back(l); });
  ConfigureLog(LogFormat::kText, LogLevel::kWarning);
  Log(LogLevel::kInfo, "t", "quiet");
  Log(LogLevel::kWarning, "t", "loud");
  ConfigureLog(LogFormat::kJson, LogLevel::kDebug);
  Log(LogLevel::kDebug, "t", "detail", {{"k", "v"}});
  ConfigureLog(LogFormat::kText, LogLevel::kInfo);
  SetLogSinkForTest(nullptr);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr(" WARNING t loud"));
  EXPECT_THAT(lines[1], HasSubstr("\"level\":\"debug\",\"component\":\"t\",\"event\":\"detail\""));
}

TEST(LoggerTest, ParsesLevelsAndFormatsAndNamesTheFlagWhenWrong) {
  EXPECT_EQ(*ParseLogLevel("DEBUG"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("warn"), LogLevel::kWarning);
  EXPECT_THAT(ParseLogLevel("loud").status().message(), HasSubstr("--log-level: 'loud'"));
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_THAT(ParseLogFormat("xml").status().message(), HasSubstr("--log-format"));
}

}  // namespace
}  // namespace fedlink::common
