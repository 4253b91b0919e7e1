// fedlink peers: reachability, roster version and latency of every peer
// (node/app/peers.h).
#include <iomanip>
#include <iostream>

#include "absl/flags/flag.h"
#include "node/app/peers.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"

ABSL_FLAG(absl::Duration, deadline, absl::Seconds(5), "Deadline for each peer.");

namespace fedlink::cli {
namespace {

int RunPeers(const std::vector<std::string>& args) {
  return WithNodeInDir("peers", [&](app::Node& node) {
    auto report = app::PingPeers(node, absl::GetFlag(FLAGS_deadline));
    if (!report.ok()) return ReportError("peers", report.status());
    std::cout << "roster version " << report->roster_version << " (" << Safe(report->federation_id)
              << "), " << report->peers.size() << " peers\n";
    for (const app::PeerPing& p : report->peers) {
      std::cout << std::left << std::setw(16) << Safe(p.node_id) << " " << std::setw(22)
                << Safe(p.endpoint) << " ";
      if (p.status.ok()) {
        std::cout << "reachable   roster_version=" << p.roster_version
                  << " latency_ms=" << std::fixed << std::setprecision(1)
                  << absl::ToDoubleMilliseconds(p.latency) << "\n";
      } else {
        std::cout << "unreachable error=" << absl::StatusCodeToString(p.status.code()) << ": "
                  << Safe(p.status.message()) << "\n";
      }
    }
    return report->unreachable() == 0 ? kExitOk : kExitFailure;
  });
}

FEDLINK_COMMAND("peers", "  fedlink peers --dir DIR [--deadline 5s]",
                "ping every roster member over mutual TLS: reachability, "
                "roster version, latency",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "deadline"},
                RunPeers);

}  // namespace
}  // namespace fedlink::cli
