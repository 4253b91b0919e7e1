// `fedlink bench audit`: the access log's durable-append throughput from
// several threads, and the time to verify an export of a given size. The
// crash test (tests/audit_crash_test.sh) kills a run mid-append and checks
// that every acknowledged append survived.
//
//   ASSIGN_OR_RETURN(app::AppendFigures f, app::BenchAuditAppends(*node,
//   {.threads = 8})); ASSIGN_OR_RETURN(app::VerifyFigures v,
//   app::BenchAuditVerify(*node, 1'000'000));
#ifndef FEDLINK_NODE_APP_BENCH_AUDIT_H_
#define FEDLINK_NODE_APP_BENCH_AUDIT_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/app/node.h"

namespace fedlink::app {

struct AppendBenchOptions {
  int threads = 1;  // at least 1
  absl::Duration run = absl::Seconds(1);
  // Called once per durable append (serialized: never two calls at once),
  // with the entry's index and its detail ("t<thread>-<i>").
  std::function<void(uint64_t index, const std::string& detail)> on_ack;
};

struct AppendFigures {
  uint64_t appended = 0;  // durable appends in this run
  double seconds = 0;
  int threads = 0;
  uint64_t log_size = 0;  // entries in the log afterwards
  bool failed = false;    // some append failed (that thread stopped)
  double per_second() const;
};

// Appends "bench.append" entries to the node's own log from `threads`
// threads for `run`, checkpointing every second as a serving node does.
absl::StatusOr<AppendFigures> BenchAuditAppends(Node& node, const AppendBenchOptions& options);

struct VerifyFigures {
  uint64_t entries = 0;
  uint64_t checkpoints = 0;
  size_t export_bytes = 0;
  double seconds = 0;  // audit::VerifyExport alone
};

// Builds an export of `entries` synthetic entries signed with the node's
// key (a checkpoint every 5,000) in memory, and times its verification.
// Nothing is written to the node's log.
absl::StatusOr<VerifyFigures> BenchAuditVerify(Node& node, int entries);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_BENCH_AUDIT_H_
