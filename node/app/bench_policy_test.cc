#include "node/app/bench_policy.h"

#include "gtest/gtest.h"
#include "node/match/keyspec.h"
#include "policy/policy.h"

namespace fedlink::app {
namespace {

TEST(BenchPolicyTest, SharesEverythingForTheBenchPurposeWithAnyPeer) {
  for (const bool buckets : {false, true}) {
    auto policy = policy::Policy::Parse(BenchPolicy({.bucket_lookup = buckets}), "bench",
                                        match::keyspec::KeyTypeNames());
    ASSERT_TRUE(policy.ok()) << policy.status();
    for (const config::NodeRole role : {config::NodeRole::kAgency, config::NodeRole::kNgo}) {
      const policy::Rule* rule = (*policy)->Find({"any-peer", role}, kBenchPurpose);
      ASSERT_NE(rule, nullptr);
      EXPECT_EQ(rule->min_bucket_records, buckets ? kBenchMinBucketRecords : 0u);
      EXPECT_GE(rule->daily_evaluate_budget, uint64_t{1'000'000'000'000});
      EXPECT_GE(rule->daily_key_type_budget, uint64_t{1'000'000'000'000});
    }
    EXPECT_EQ((*policy)->Find({"any-peer", config::NodeRole::kNgo}, "other"), nullptr);
  }
}

}  // namespace
}  // namespace fedlink::app
