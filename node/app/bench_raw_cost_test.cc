#include "node/app/bench_raw_cost.h"

#include <sodium.h>

#include <atomic>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace fedlink::app {
namespace {

TEST(BenchRawCostTest, CountsEveryCallOnEveryCore) {
  ASSERT_GE(sodium_init(), 0);
  std::atomic<long> calls{0};
  const absl::Time start = absl::Now();
  const double per_call = RawCoreSecondsPerCall(2, [&](RawScratch& s) {
    crypto_core_ristretto255_from_hash(s.out, s.hash);
    calls.fetch_add(1, std::memory_order_relaxed);
  });
  const double outer = absl::ToDoubleSeconds(absl::Now() - start);
  ASSERT_GT(calls.load(), 0);
  // The two threads' time (at least 0.4 s each, at most the whole call)
  // spread over every call made: a relation, not a speed.
  const double core_seconds = per_call * static_cast<double>(calls.load());
  EXPECT_GE(core_seconds, 2 * 0.4 * 0.99);
  EXPECT_LE(core_seconds, 2 * outer * 1.01);
}

TEST(BenchRawCostTest, EachThreadStartsWithAPointOfItsHash) {
  ASSERT_GE(sodium_init(), 0);
  std::atomic<bool> all_valid{true};
  RawCoreSecondsPerCall(2, [&](RawScratch& s) {
    if (crypto_core_ristretto255_is_valid_point(s.point) != 1) all_valid = false;
  });
  EXPECT_TRUE(all_valid.load());
}

}  // namespace
}  // namespace fedlink::app
