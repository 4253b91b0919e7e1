#include "node/app/bench_scale.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::app {
namespace {

TEST(BenchScaleTest, ParsesCountsWithSuffixes) {
  auto counts = ParseCounts("2000, 100k,1M", "--sizes");
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_THAT(*counts, ::testing::ElementsAre(2000, 100'000, 1'000'000));
  EXPECT_FALSE(ParseCounts("", "--sizes").ok());
  EXPECT_FALSE(ParseCounts("0", "--sizes").ok());
  EXPECT_FALSE(ParseCounts("12x", "--sizes").ok());
  EXPECT_FALSE(ParseCounts("-5", "--peers").ok());
}

// Tiny sizes: the figures are there and consistent, not fast.
TEST(BenchScaleTest, ReportsEveryFigureAndServesPeersFromOneBuild) {
  ScaleOptions options;
  options.sizes = {300};
  options.peers = {1, 3};
  options.peer_records = 50;
  options.batch = 100;
  options.lookups = 10;
  auto rows = RunScaleBench(options);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  const ScaleRow& one = (*rows)[0];
  const ScaleRow& three = (*rows)[1];
  EXPECT_EQ(one.records, 300);
  EXPECT_EQ(one.peers, 1);
  EXPECT_EQ(three.peers, 3);
  for (const ScaleRow& r : *rows) {
    EXPECT_GT(r.import_rows_per_second, 0);
    EXPECT_GT(r.table_entries, 300u);  // several keys per record
    EXPECT_GT(r.build_seconds, 0);
    EXPECT_GT(r.ec_bound_seconds, 0);
    EXPECT_GE(r.table_bytes, r.table_entries * 24);
    EXPECT_GT(r.index_bytes, 0u);
    EXPECT_GT(r.delta_seconds, 0);
    EXPECT_EQ(r.batch_records, 100);
    EXPECT_GT(r.batch_seconds, 0);
    EXPECT_GT(r.lookup_p50_ms, 0);
    EXPECT_GE(r.lookup_p99_ms, r.lookup_p50_ms);
    EXPECT_GT(r.responder_cpu_seconds_per_fetch, 0);
  }
  // Every key evaluated once, however many peers fetch.
  EXPECT_EQ(one.evaluations, one.table_entries);
  EXPECT_EQ(three.evaluations, one.table_entries);
  EXPECT_GE(three.fetch_seconds, one.fetch_seconds);
  EXPECT_DOUBLE_EQ(one.fetches_over_build(), 1.0);
  // The delta: 1% of the records (3 of 300), only their keys evaluated.
  EXPECT_GT(one.delta_slots, 0u);
  EXPECT_LE(one.delta_slots, 3u);
  EXPECT_GT(one.delta_evaluations, 0u);
  EXPECT_LT(one.delta_evaluations, one.table_entries / 20);
}

}  // namespace
}  // namespace fedlink::app
