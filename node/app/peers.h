// Reachability of the node's peers: every other roster member pinged at once
// over roster-pinned mutual TLS, with its roster version and latency.
//
//   ASSIGN_OR_RETURN(app::PeersReport report, app::PingPeers(*node,
//   absl::Seconds(5)));
#ifndef FEDLINK_NODE_APP_PEERS_H_
#define FEDLINK_NODE_APP_PEERS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/app/node.h"

namespace fedlink::app {

struct PeerPing {
  std::string node_id;
  std::string endpoint;         // as the roster lists it
  absl::Status status;          // OK: reachable
  uint64_t roster_version = 0;  // the roster the peer has installed
  absl::Duration latency;
};

struct PeersReport {
  uint64_t roster_version = 0;  // this node's
  std::string federation_id;
  std::vector<PeerPing> peers;  // in roster order
  size_t unreachable() const;
};

// NotFound without an installed roster. All peers are asked in parallel and
// answer (or fail) within `deadline`.
absl::StatusOr<PeersReport> PingPeers(Node& node, absl::Duration deadline);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_PEERS_H_
