// The at-rest cost bench runs both sides on the same records and gets the
// same results from the sealed node as from the clear one.
#include "node/app/bench_at_rest.h"

#include "gtest/gtest.h"

namespace fedlink::app {
namespace {

TEST(BenchAtRestTest, MeasuresBothSidesOnTheSameRecords) {
  std::vector<std::string> lines;
  auto f = BenchAtRest({.persons = 300,
                        .seed = 3,
                        .table = true,
                        .dedup = true,
                        .progress = [&](const std::string& l) { lines.push_back(l); }});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->records, 300u);
  EXPECT_GT(f->clear.table_slots, 0u);
  EXPECT_EQ(f->clear.table_slots, f->sealed.table_slots);
  EXPECT_EQ(f->clear.dedup_pairs, f->sealed.dedup_pairs);
  EXPECT_GT(f->import_rows_per_second(f->sealed), 0);
  EXPECT_GT(f->table_ratio(), 0);
  EXPECT_EQ(lines.size(), 6u);
}

}  // namespace
}  // namespace fedlink::app
