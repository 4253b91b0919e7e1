#include "node/common/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace fedlink::common {

int ResolveThreads(int threads) {
  if (threads > 0) return threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

absl::Status ParallelFor(size_t n, int threads, size_t grain,
                         const std::function<absl::Status(size_t, size_t)>& fn) {
  if (n == 0) return absl::OkStatus();
  const size_t t = static_cast<size_t>(ResolveThreads(threads));
  if (grain == 0) grain = std::max<size_t>(1, n / (t * 8));
  const size_t ranges = (n + grain - 1) / grain;
  const size_t workers_wanted = std::min(t, ranges);
  if (workers_wanted <= 1) {
    // Serially, range by range, so fn sees the same ranges either way.
    for (size_t begin = 0; begin < n; begin += grain) {
      if (absl::Status s = fn(begin, std::min(n, begin + grain)); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  std::atomic<size_t> next{0};
  absl::Mutex mu;
  size_t first_error_at = n;
  absl::Status first_error;
  auto work = [&] {
    for (;;) {
      const size_t begin = next.fetch_add(grain);
      if (begin >= n) return;
      absl::Status s = fn(begin, std::min(n, begin + grain));
      if (!s.ok()) {
        absl::MutexLock lock(&mu);
        // Ranges are handed out in increasing order: every range below this
        // one has started and will finish, so the lowest error wins.
        if (begin < first_error_at) {
          first_error_at = begin;
          first_error = std::move(s);
        }
        next.store(n);
        return;
      }
    }
  };
  std::vector<std::thread> workers;
  for (size_t i = 1; i < workers_wanted; ++i) workers.emplace_back(work);
  work();  // the caller's thread is one of the workers
  for (std::thread& w : workers) w.join();
  return first_error;
}

}  // namespace fedlink::common
