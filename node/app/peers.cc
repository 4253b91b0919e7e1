#include "node/app/peers.h"

#include "node/common/status_macros.h"

namespace fedlink::app {

size_t PeersReport::unreachable() const {
  size_t n = 0;
  for (const PeerPing& p : peers) n += p.status.ok() ? 0 : 1;
  return n;
}

absl::StatusOr<PeersReport> PingPeers(Node& node, absl::Duration deadline) {
  ASSIGN_OR_RETURN(const auto roster, node.Roster());
  ASSIGN_OR_RETURN(const federation::Self self, node.Self({}));
  PeersReport report;
  report.roster_version = roster->version();
  report.federation_id = roster->federation_id();
  for (federation::PingResult& r : federation::PingAll(self, *roster, deadline)) {
    const federation::Member* m = roster->Find(r.node_id);
    report.peers.push_back({std::move(r.node_id), m ? m->endpoint : "", std::move(r.status),
                            r.roster_version, r.latency});
  }
  return report;
}

}  // namespace fedlink::app
