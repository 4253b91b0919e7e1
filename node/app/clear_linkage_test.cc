// Deduplication of the node's own records in the clear.
#include "node/app/clear_linkage.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/test_app_federation.h"

namespace fedlink::app {
namespace {

using testing::AppFederation;
using testing::Victim;

class DedupTest : public ::testing::Test {
 protected:
  Node& node() { return fed_.node("ngo"); }
  AppFederation fed_{{"ngo"}};
};

TEST_F(DedupTest, FindsTheSamePersonRecordedTwice) {
  fed_.Add("ngo", {Victim("N-1", "Maria", "Ivanova", "1990-04-12", "+44 7700 900001"),
                   Victim("N-2", "Ana", "Popescu", "1985-01-30", "+44 7700 900002"),
                   Victim("N-3", "Maria", "Ivanova", "1990-04-12", "+44 7700 900001"),
                   Victim("N-4", "Iuliia", "Shevchenko", "1994-03-07", "")});
  auto report = FindDuplicates(node(), {});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->records, 4u);
  ASSERT_EQ(report->pairs.size(), 1u);
  EXPECT_EQ(report->pairs[0].id_1, "N-1");
  EXPECT_EQ(report->pairs[0].id_2, "N-3");
  EXPECT_GT(report->pairs[0].score, 0);
  EXPECT_THAT(report->pairs[0].keys, ::testing::HasSubstr("phone"));
}

TEST_F(DedupTest, AHighThresholdFindsNothing) {
  fed_.Add("ngo", {Victim("N-1", "Maria", "Ivanova", "1990-04-12", "+44 7700 900001"),
                   Victim("N-3", "Maria", "Ivanova", "1990-04-12", "+44 7700 900001")});
  DedupOptions options;
  options.threshold = 1000;
  auto report = FindDuplicates(node(), options);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->pairs.empty());
}

TEST_F(DedupTest, ReportsUnusableValuesAndProgress) {
  fed_.Add("ngo", {Victim("N-1", "Maria", "Ivanova", "1990-04-12", "not a phone"),
                   Victim("N-2", "Ana", "Popescu", "1985-01-30", "+44 7700 900002")});
  match::keyspec::DropCounts seen;
  size_t last_total = 0;
  DedupOptions options;
  options.progress.on_keys = [&](const match::keyspec::DropCounts& d) { seen = d; };
  options.progress.on_linking = [&](size_t, size_t total) { last_total = total; };
  auto report = FindDuplicates(node(), options);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->unusable.phones, 1u);
  EXPECT_EQ(seen.phones, 1u);
  EXPECT_EQ(report->records, 2u);
}

TEST_F(DedupTest, ANodeWithoutRecordsHasNoDuplicates) {
  auto report = FindDuplicates(node(), {});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->records, 0u);
  EXPECT_TRUE(report->pairs.empty());
}

TEST(DeriveAllKeysTest, OneKeySetPerRecordInOrder) {
  match::keyspec::DropCounts drops;
  const std::vector<match::KeySet> keys = DeriveAllKeys(
      {testing::Victim("A", "Maria", "Ivanova", "1990-04-12", "+44 7700 900001"), record::Person()},
      "GB", &drops);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_FALSE(keys[0].empty());
  EXPECT_TRUE(keys[1].empty());
}

}  // namespace
}  // namespace fedlink::app
