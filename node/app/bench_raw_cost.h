// The raw libsodium cost the benchmarks report their figures against (in
// the same run, as ratios): core-seconds per call of an elliptic-curve
// operation with every core busy, as in a match or a table build.
//
//   const double pair = RawCoreSecondsPerCall(cores, [](RawScratch& s) {
//     crypto_core_ristretto255_from_hash(s.point, s.hash);
//     if (crypto_scalarmult_ristretto255(s.out, s.scalar, s.point) != 0) std::abort();
//   });
#ifndef FEDLINK_NODE_APP_BENCH_RAW_COST_H_
#define FEDLINK_NODE_APP_BENCH_RAW_COST_H_

#include "absl/functional/function_ref.h"

namespace fedlink::app {

// One thread's operands: a random 64-byte hash, the ristretto255 point it
// maps to, a random scalar, and room for a result.
struct RawScratch {
  unsigned char hash[64];
  unsigned char point[32];
  unsigned char out[32];
  unsigned char scalar[32];
};

// Runs `op` on `cores` threads (each with its own scratch) for about 400 ms
// and returns the core-seconds per call. `op` is called concurrently: it
// must touch only its scratch.
double RawCoreSecondsPerCall(int cores, absl::FunctionRef<void(RawScratch&)> op);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_BENCH_RAW_COST_H_
