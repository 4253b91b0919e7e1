// fedlink peers: reachability, roster version and latency of every peer.
#include <iomanip>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/config/node_dir.h"
#include "node/federation/peer_client.h"

ABSL_FLAG(absl::Duration, deadline, absl::Seconds(5),
          "Deadline for each peer.");

namespace fedlink::cli {
namespace {

int RunPeers(const std::vector<std::string>& args) {
  auto node = OpenNode(absl::GetFlag(FLAGS_dir), {.load_identity = true});
  if (!node.ok()) return ReportError("peers", node.status());
  auto roster = federation::LoadInstalledRoster((*node)->paths, absl::Now());
  if (!roster.ok()) return ReportError("peers", roster.status());
  auto own_tls = tls::Load((*node)->paths.dir);
  if (!own_tls.ok()) return ReportError("peers", own_tls.status());
  federation::Self self{(*node)->config.node_id, (*node)->identity.get(),
                        *own_tls, nullptr};
  std::vector<federation::PingResult> results =
      federation::PingAll(self, *roster, absl::GetFlag(FLAGS_deadline));
  std::cout << "roster version " << roster->version() << " ("
            << roster->federation_id() << "), " << results.size() << " peers\n";
  int unreachable = 0;
  for (const auto& r : results) {
    const federation::Member* m = roster->Find(r.node_id);
    std::cout << std::left << std::setw(16) << r.node_id << " " << std::setw(22)
              << (m ? m->endpoint : "") << " ";
    if (r.status.ok()) {
      std::cout << "reachable   roster_version=" << r.roster_version
                << " latency_ms=" << std::fixed << std::setprecision(1)
                << absl::ToDoubleMilliseconds(r.latency) << "\n";
    } else {
      ++unreachable;
      std::cout << "unreachable error="
                << absl::StatusCodeToString(r.status.code()) << ": "
                << r.status.message() << "\n";
    }
  }
  return unreachable == 0 ? kExitOk : kExitFailure;
}

FEDLINK_COMMAND("peers", "  fedlink peers --dir DIR [--deadline 5s]",
                "ping every roster member over mutual TLS: reachability, "
                "roster version, latency",
                {"dir", "deadline"}, RunPeers);

}  // namespace
}  // namespace fedlink::cli
