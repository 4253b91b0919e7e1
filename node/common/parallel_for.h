// Splitting a loop over the machine's cores, for the node's batch work
// (import parsing and sealing). One error stops the loop: the error of the
// lowest index is returned, as a serial loop would return it.
//
//   RETURN_IF_ERROR(common::ParallelFor(rows.size(), 0, [&](size_t b, size_t e) {
//     for (size_t i = b; i < e; ++i) RETURN_IF_ERROR(Work(rows[i]));
//     return absl::OkStatus();
//   }));
#ifndef FEDLINK_NODE_COMMON_PARALLEL_FOR_H_
#define FEDLINK_NODE_COMMON_PARALLEL_FOR_H_

#include <cstddef>
#include <functional>

#include "absl/status/status.h"

namespace fedlink::common {

// The number of threads `threads` stands for: itself if positive, else the
// hardware concurrency (at least 1).
int ResolveThreads(int threads);

// Runs fn(begin, end) over [0, n) on up to `threads` threads (0 = every
// core), handing out ranges of at most `grain` indices (0 = about n / (8 x
// threads), at least 1) in increasing order as threads become free, so a
// thread slowed by a neighbour does not hold the others at the join. The
// caller's thread is one of the workers; with one thread (or n <= grain)
// the ranges run in order on it alone.
// Returns the error of the lowest range that failed; after an error no new
// range is started. fn must be safe to call concurrently on disjoint ranges.
absl::Status ParallelFor(size_t n, int threads, size_t grain,
                         const std::function<absl::Status(size_t, size_t)>& fn);

}  // namespace fedlink::common

#endif  // FEDLINK_NODE_COMMON_PARALLEL_FOR_H_
