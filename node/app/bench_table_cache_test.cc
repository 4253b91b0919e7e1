#include "node/app/bench_table_cache.h"

#include <stdlib.h>

#include <filesystem>

#include "gtest/gtest.h"

namespace fedlink::app {
namespace {

// Tiny sizes: every figure is there, every lookup finds its slot, and the
// paged tables hold far less than the index; no timing asserts.
TEST(BenchTableCacheTest, ReportsEveryFigureAndFindsEveryIntake) {
  std::string dir = ::testing::TempDir() + "/bench-table-cache-XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  TableCacheBenchOptions options;
  options.records = 3000;
  options.tables = 3;
  options.lookups = 40;
  options.dir = dir;
  auto r = RunTableCacheBench(options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->entries, 3000u * 12);
  EXPECT_GT(r->file_bytes, r->entries * 24);
  EXPECT_GT(r->write_seconds, 0);
  EXPECT_GT(r->paged_memory_bytes, 0u);
  EXPECT_LT(r->paged_memory_bytes * 50, r->index_memory_bytes);
  EXPECT_GT(r->index_p99_ms, 0);
  EXPECT_GE(r->paged_p99_ms, r->paged_p50_ms);
  EXPECT_GE(r->serial_p99_ms, r->serial_p50_ms);
  EXPECT_GE(r->nofilter_p99_ms, r->nofilter_p50_ms);
  // Without the pages' filters every tag opens its page; with them the
  // tables an intake is not in open few (no timing compared).
  EXPECT_GE(r->nofilter_a_pages, 11.0);
  EXPECT_LT(r->paged_a_pages, r->nofilter_a_pages * 0.75);
  EXPECT_GT(r->open_p50_ms, 0);
  EXPECT_GT(r->open_again_p50_ms, 0);
  EXPECT_GT(r->open_unfiltered_p50_ms, 0);
  EXPECT_GT(r->process_rss_bytes, 0);
  // Each intake's tags are in one of the tables: exactly one slot found
  // (another is a 64-bit tag collision).
  EXPECT_EQ(r->hits, 40u);
  // The scratch files are gone.
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
  options.payload = 10;
  EXPECT_FALSE(RunTableCacheBench(options).ok());
}

}  // namespace
}  // namespace fedlink::app
