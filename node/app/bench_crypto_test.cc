// bench crypto's figures, measured briefly.
#include "node/app/bench_crypto.h"

#include <thread>

#include "gtest/gtest.h"

namespace fedlink::app {
namespace {

TEST(BenchCryptoTest, MeasuresEveryFigure) {
  auto f = BenchCrypto(0.01, 2);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->threads, 2);
  EXPECT_GT(f->raw_one, 0);
  EXPECT_GT(f->raw_all, 0);
  EXPECT_GT(f->blind_evaluate_one, 0);
  EXPECT_GT(f->blind_evaluate_all, 0);
  EXPECT_GT(f->client_one, 0);
  EXPECT_GT(f->ratio_one(), 0);
  EXPECT_GT(f->ratio_all(), 0);
  EXPECT_GT(f->scaling(), 0);
}

TEST(BenchCryptoTest, NoThreadCountMeansEveryCore) {
  auto f = BenchCrypto(0.001, 0);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->threads, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

}  // namespace
}  // namespace fedlink::app
