// The text exposition the metrics endpoint serves: HELP and TYPE lines,
// labels escaped, histogram buckets cumulative; undeclared names dropped.
#include "node/common/metrics.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::common {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsTest, RendersCountersAndGaugesWithEscapedLabels) {
  Metrics m;
  m.Describe("x_total", Metrics::Type::kCounter, "Things.");
  m.Describe("y", Metrics::Type::kGauge, "Level.");
  m.Add("x_total", {{"peer", "a\"b\\c\nd"}}, 2);
  m.Add("x_total", {{"peer", "a\"b\\c\nd"}});
  m.Set("y", {}, -1.5);
  m.Add("undeclared_total", {}, 1);
  const std::string text = m.Render();
  EXPECT_THAT(text, HasSubstr("# HELP x_total Things.\n# TYPE x_total counter\n"
                              "x_total{peer=\"a\\\"b\\\\c\\nd\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE y gauge\ny -1.5\n"));
  EXPECT_THAT(text, Not(HasSubstr("undeclared")));
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  Metrics m;
  m.Describe("d_seconds", Metrics::Type::kHistogram, "Latency.");
  m.Observe("d_seconds", {{"m", "t"}}, 0.003);
  m.Observe("d_seconds", {{"m", "t"}}, 0.2);
  m.Observe("d_seconds", {{"m", "t"}}, 100);
  const std::string text = m.Render();
  EXPECT_THAT(text, HasSubstr("d_seconds_bucket{m=\"t\",le=\"0.005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("d_seconds_bucket{m=\"t\",le=\"0.25\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("d_seconds_bucket{m=\"t\",le=\"30\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("d_seconds_bucket{m=\"t\",le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("d_seconds_count{m=\"t\"} 3\n"));
}

TEST(MetricsTest, CollectorsSetGaugesAtRenderUntilRemoved) {
  Metrics m;
  m.Describe("g", Metrics::Type::kGauge, "G.");
  int calls = 0;
  const int id = m.AddCollector([&calls](Metrics& mm) { mm.Set("g", {}, ++calls); });
  EXPECT_THAT(m.Render(), HasSubstr("\ng 1\n"));
  EXPECT_THAT(m.Render(), HasSubstr("\ng 2\n"));
  m.RemoveCollector(id);
  EXPECT_THAT(m.Render(), HasSubstr("\ng 2\n"));
}

}  // namespace
}  // namespace fedlink::common
