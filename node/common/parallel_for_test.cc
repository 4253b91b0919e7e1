#include "node/common/parallel_for.h"

#include <atomic>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace fedlink::common {
namespace {

TEST(ParallelForTest, VisitsEveryIndexOnce) {
  for (int threads : {1, 2, 4}) {
    for (size_t grain : {size_t{0}, size_t{1}, size_t{7}, size_t{1000}}) {
      std::vector<std::atomic<int>> seen(997);
      ASSERT_TRUE(ParallelFor(seen.size(), threads, grain, [&](size_t b, size_t e) {
                    for (size_t i = b; i < e; ++i) seen[i].fetch_add(1);
                    return absl::OkStatus();
                  }).ok());
      for (size_t i = 0; i < seen.size(); ++i) {
        ASSERT_EQ(seen[i].load(), 1) << "index " << i << " threads " << threads;
      }
    }
  }
}

TEST(ParallelForTest, ReturnsTheLowestError) {
  // Indices 300 and 700 fail; whatever the threads do, 300's error is the
  // one a serial loop would have returned.
  for (int threads : {1, 2, 4}) {
    for (int run = 0; run < 20; ++run) {
      absl::Status s = ParallelFor(1000, threads, 10, [](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) {
          if (i == 300 || i == 700) return absl::InvalidArgumentError(absl::StrCat("at ", i));
        }
        return absl::OkStatus();
      });
      EXPECT_EQ(s.message(), "at 300") << "threads " << threads;
    }
  }
}

TEST(ParallelForTest, NothingToDoIsOk) {
  EXPECT_TRUE(
      ParallelFor(0, 2, 0, [](size_t, size_t) { return absl::InternalError("called"); }).ok());
}

TEST(ParallelForTest, ResolvesThreads) {
  EXPECT_EQ(ResolveThreads(3), 3);
  EXPECT_GE(ResolveThreads(0), 1);
}

}  // namespace
}  // namespace fedlink::common
