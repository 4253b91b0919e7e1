// bench match on a small generated population: every stage's figures, the
// stage order, and the data sources refused.
#include "node/app/bench_match.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/synthetic_data.h"
#include "node/common/whole_file.h"

namespace fedlink::app {
namespace {

using ::testing::HasSubstr;

match::GeneratedData Small() {
  auto data = LoadBenchData({.persons = 120, .seed = 3});
  EXPECT_TRUE(data.ok()) << data.status();
  return *std::move(data);
}

TEST(BenchMatchTest, EveryStageReportsItsFigures) {
  match::GeneratedData data = Small();
  const size_t a_records = data.a.size();
  auto bench = MatchBench::Start(std::move(data));
  ASSERT_TRUE(bench.ok()) << bench.status();

  auto speed = (*bench)->MatchPrivately(-1);
  ASSERT_TRUE(speed.ok()) << speed.status();
  EXPECT_EQ(speed->cores, MatchBench::Cores());
  EXPECT_GT(speed->table_entries, a_records);  // several keys per record
  EXPECT_GT(speed->evaluations, 0u);
  EXPECT_GT(speed->from_hash_seconds, 0);
  EXPECT_GT(speed->scalarmult_seconds, 0);
  EXPECT_GT(speed->ec_seconds, 0);
  EXPECT_GE(speed->total_seconds, speed->table_seconds);
  EXPECT_GT(speed->ratio(), 0);

  auto quality = (*bench)->CompareWithClearLinkage();
  ASSERT_TRUE(quality.ok()) << quality.status();
  EXPECT_GT(quality->private_match.f1(), 0.5);
  EXPECT_GT(quality->clear.f1(), 0.5);
  EXPECT_LT(quality->f1_difference(), 0.1);

  auto table = (*bench)->CachedTable();
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->records, a_records);
  EXPECT_EQ(table->entries, speed->table_entries);
  EXPECT_GT(table->bytes, table->payload_bytes);
  EXPECT_GT(table->index_memory_bytes, 0u);

  auto delta = (*bench)->ChangeOnePercent();
  ASSERT_TRUE(delta.ok()) << delta.status();
  EXPECT_EQ(delta->records, a_records);
  EXPECT_EQ(delta->changed_records, (a_records + 99) / 100);
  EXPECT_TRUE(delta->delta);
  EXPECT_LT(delta->slots, a_records);

  auto lookups = (*bench)->Lookups(5);
  ASSERT_TRUE(lookups.ok()) << lookups.status();
  EXPECT_EQ(lookups->count, 5u);
  EXPECT_LE(lookups->p50_ms, lookups->p99_ms);
  const LatencyFigures floor = (*bench)->LookupFloor(5);
  EXPECT_EQ(floor.count, 5u);
  EXPECT_GT(floor.p99_ms, 0);

  auto none = (*bench)->Lookups(0);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->count, 0u);
}

TEST(BenchMatchTest, LaterStagesNeedThePrivateMatchFirst) {
  auto bench = MatchBench::Start(Small());
  ASSERT_TRUE(bench.ok()) << bench.status();
  EXPECT_TRUE(absl::IsFailedPrecondition((*bench)->CompareWithClearLinkage().status()));
  EXPECT_TRUE(absl::IsFailedPrecondition((*bench)->CachedTable().status()));
  EXPECT_TRUE(absl::IsFailedPrecondition((*bench)->ChangeOnePercent().status()));
  EXPECT_TRUE(absl::IsFailedPrecondition((*bench)->Lookups(1).status()));
}

TEST(BenchMatchTest, ReadsTheOrganisationsFiles) {
  auto generated = GenerateSyntheticData({.persons = 30, .seed = 5});
  ASSERT_TRUE(generated.ok());
  const std::string dir = ::testing::TempDir() + "/bench-match-files";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(common::WriteFileAtomically(dir + "/a.csv", generated->a_csv).ok());
  ASSERT_TRUE(common::WriteFileAtomically(dir + "/b.csv", generated->b_csv).ok());
  ASSERT_TRUE(common::WriteFileAtomically(dir + "/t.csv", generated->truth_csv).ok());
  BenchDataSource source{.a = dir + "/a.csv", .b = dir + "/b.csv", .truth = dir + "/t.csv"};
  auto data = LoadBenchData(source);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->a.size(), generated->a_records);
  EXPECT_EQ(data->b.size(), generated->b_records);
  EXPECT_EQ(data->truth.size(), generated->true_pairs);

  source.b = dir + "/missing.csv";
  auto missing = LoadBenchData(source);
  EXPECT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("missing.csv"));
}

}  // namespace
}  // namespace fedlink::app
