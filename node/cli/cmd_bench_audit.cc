// fedlink bench audit: access-log append throughput and export verification
// time (node/app/bench_audit.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "node/app/bench_audit.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"

ABSL_FLAG(bool, print_acks, false,
          "bench audit: print 'ack INDEX DETAIL' for every durable append.");
ABSL_FLAG(int, entries, 0,
          "bench audit: also time `audit verify` of an export of this many entries.");

namespace fedlink::cli {
namespace {

// Appends from `threads` threads for `seconds`; prints appends/s. With
// --print-acks, each durable append is printed (the crash test reads them).
int RunBenchAudit(const std::vector<std::string>& args) {
  return WithNodeInDir("bench audit", [&](app::Node& node) {
    app::AppendBenchOptions options;
    options.threads = absl::GetFlag(FLAGS_threads);
    options.run = absl::Seconds(absl::GetFlag(FLAGS_seconds));
    if (absl::GetFlag(FLAGS_print_acks)) {
      options.on_ack = [](uint64_t index, const std::string& detail) {
        std::cout << "ack " << index << " " << detail << std::endl;
      };
    }
    auto appends = app::BenchAuditAppends(node, options);
    if (!appends.ok()) return ReportError("bench audit", appends.status());
    std::cerr << absl::StrFormat(
        "audit appends: %d durable in %.2fs from %d threads = %.0f appends/s "
        "(log size %d)\n",
        appends->appended, appends->seconds, appends->threads, appends->per_second(),
        appends->log_size);
    if (const int n = absl::GetFlag(FLAGS_entries); n > 0) {
      auto verify = app::BenchAuditVerify(node, n);
      if (!verify.ok()) return ReportError("bench audit", verify.status());
      std::cerr << absl::StrFormat(
          "audit verify: %d entries, %d checkpoints, %.1f MiB export in %.2fs "
          "(goal < 30 s for "
          "1,000,000)\n",
          verify->entries, verify->checkpoints, verify->export_bytes / 1048576.0, verify->seconds);
    }
    return appends->failed ? kExitFailure : kExitOk;
  });
}

FEDLINK_COMMAND("bench audit",
                "  fedlink bench audit --dir DIR [--threads N] [--seconds S] "
                "[--print-acks]\n"
                "                      [--entries N]\n\n"
                "Appends to the node's audit log from N threads for S seconds and prints\n"
                "durable appends/s; --entries also times `audit verify` of an export of\n"
                "that many entries.",
                "audit log throughput and verification time",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "threads",
                 "seconds", "print_acks", "entries"},
                RunBenchAudit);

}  // namespace
}  // namespace fedlink::cli
