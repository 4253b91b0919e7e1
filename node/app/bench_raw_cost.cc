#include "node/app/bench_raw_cost.h"

#include <sodium.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace fedlink::app {

double RawCoreSecondsPerCall(int cores, absl::FunctionRef<void(RawScratch&)> op) {
  cores = std::max(cores, 1);
  constexpr int kBatch = 32;  // calls between looks at the clock
  std::vector<size_t> counts(cores, 0);
  const absl::Time start = absl::Now();
  std::vector<std::thread> workers;
  for (int t = 0; t < cores; ++t) {
    workers.emplace_back([&, t] {
      RawScratch s;
      randombytes_buf(s.hash, sizeof s.hash);
      crypto_core_ristretto255_from_hash(s.point, s.hash);
      crypto_core_ristretto255_scalar_random(s.scalar);
      while (absl::Now() - start < absl::Milliseconds(400)) {
        for (int i = 0; i < kBatch; ++i) op(s);
        counts[t] += kBatch;
      }
    });
  }
  for (auto& w : workers) w.join();
  size_t n = 0;
  for (size_t c : counts) n += c;
  return absl::ToDoubleSeconds(absl::Now() - start) * cores / std::max<size_t>(n, 1);
}

}  // namespace fedlink::app
