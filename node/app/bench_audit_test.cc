// bench audit's figures on a real node's log.
#include "node/app/bench_audit.h"

#include <set>

#include "gtest/gtest.h"
#include "node/app/audit_review.h"
#include "node/app/test_app_federation.h"

namespace fedlink::app {
namespace {

TEST(BenchAuditTest, EveryAcknowledgedAppendIsInTheLog) {
  testing::AppFederation fed({"police"});
  std::set<uint64_t> acked;
  AppendBenchOptions options;
  options.threads = 3;
  options.run = absl::Milliseconds(200);
  options.on_ack = [&](uint64_t index, const std::string&) { acked.insert(index); };
  auto figures = BenchAuditAppends(fed.node("police"), options);
  ASSERT_TRUE(figures.ok()) << figures.status();
  EXPECT_FALSE(figures->failed);
  EXPECT_EQ(figures->threads, 3);
  EXPECT_GT(figures->appended, 0u);
  EXPECT_EQ(acked.size(), figures->appended);
  EXPECT_EQ(figures->log_size, *acked.rbegin() + 1);
  EXPECT_GT(figures->per_second(), 0);
}

TEST(BenchAuditTest, TimesTheVerificationOfASyntheticExport) {
  testing::AppFederation fed({"police"});
  auto figures = BenchAuditVerify(fed.node("police"), 6000);
  ASSERT_TRUE(figures.ok()) << figures.status();
  EXPECT_EQ(figures->entries, 6000u);
  EXPECT_EQ(figures->checkpoints, 2u);  // every 5,000 and the last
  EXPECT_GT(figures->export_bytes, 6000u * 64);
}

}  // namespace
}  // namespace fedlink::app
