// The sharing policy the benchmarks' throw-away nodes run under (bench
// match, bench scale): purpose "bench", every record of the generator
// shared with any peer, budgets that never bind, so that a benchmark
// measures the protocol and not the policy's limits.
//
//   RETURN_IF_ERROR(common::WriteFileAtomically(paths.policy(),
//                                               BenchPolicy({.bucket_lookup = true})));
#ifndef FEDLINK_NODE_APP_BENCH_POLICY_H_
#define FEDLINK_NODE_APP_BENCH_POLICY_H_

#include <cstdint>
#include <string>

namespace fedlink::app {

inline constexpr char kBenchPurpose[] = "bench";
// The smallest bucket a bucket lookup may ask for, when enabled.
inline constexpr uint32_t kBenchMinBucketRecords = 100;

struct BenchPolicyOptions {
  // Also allow bucket lookups (bucket_lookup.min_bucket_records =
  // kBenchMinBucketRecords); off: bucket lookups are refused.
  bool bucket_lookup = false;
};

// The policy's text (policy.txtpb).
std::string BenchPolicy(const BenchPolicyOptions& options);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_BENCH_POLICY_H_
