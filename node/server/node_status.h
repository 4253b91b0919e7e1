// What the Admin service reports about a node, as plain C++ (the gRPC
// adapter in admin_service.cc only encodes it).
#ifndef FEDLINK_NODE_SERVER_NODE_STATUS_H_
#define FEDLINK_NODE_SERVER_NODE_STATUS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/common/clock.h"
#include "node/config/node_config.h"
#include "node/store/record_store.h"

namespace fedlink::server {

// Whether a running node serves its peers, and if not, why.
struct PeerService {
  // "serving", "not served" (the peer port is closed) or "refused" (the port
  // is open and every request is refused).
  std::string state = "not served";
  // Unless serving: the roster's problem ("roster missing", "roster corrupt",
  // "roster expired", "roster rolled back"); empty if it is something else.
  std::string reason;
  // Serving: "on ADDR (roster version N, expires T)"; otherwise the error.
  std::string detail;
  bool operator==(const PeerService& o) const {
    return state == o.state && reason == o.reason && detail == o.detail;
  }
};

// "serving on ADDR (roster version N, expires T)", or "not served (roster
// missing): DIR: no roster installed ...": what `fedlink status` and `serve`
// show after "peers: " (not escaped: the caller escapes it for display).
std::string FormatPeerService(const PeerService& peers);

// Whether a running node is healthy (grpc.health.v1 SERVING) and, if not,
// why; and what an operator should act on soon. Each line is plain text
// without personal data.
struct NodeHealth {
  bool serving = true;
  // Why it is NOT_SERVING, e.g. "roster expired: DIR/roster.bin: roster
  // version 3 expired at T" or "audit log failed verification: ...".
  std::vector<std::string> problems;
  // E.g. "roster version 3 expires at T (in less than 7 days): install a
  // newer roster".
  std::vector<std::string> warnings;
  bool operator==(const NodeHealth& o) const {
    return serving == o.serving && problems == o.problems && warnings == o.warnings;
  }
};

struct NodeStatus {
  std::string node_id;
  std::string organisation;
  std::string node_role;
  uint64_t record_count = 0;
  std::map<std::string, uint64_t> records_by_role;
  int schema_version = 0;
  uint64_t uptime_seconds = 0;
  std::string version;
  PeerService peers;
  NodeHealth health;
};

// Computes the status of a running node. Thread-safe (the store is).
class NodeStatusSource {
 public:
  // `peers` says whether the node serves its peers (null: it does not);
  // `health` how healthy it is (null: healthy).
  NodeStatusSource(const config::NodeConfig& config, store::RecordStore* store,
                   common::Clock* clock, std::function<PeerService()> peers = nullptr,
                   std::function<NodeHealth()> health = nullptr)
      : config_(config),
        store_(store),
        clock_(clock),
        peers_(std::move(peers)),
        health_(std::move(health)),
        started_(clock->Now()) {}
  absl::StatusOr<NodeStatus> Get() const;

 private:
  const config::NodeConfig config_;
  store::RecordStore* store_;
  common::Clock* clock_;
  const std::function<PeerService()> peers_;
  const std::function<NodeHealth()> health_;
  const absl::Time started_;
};

// The lines `fedlink status` prints ("health: SERVING" or "health:
// NOT_SERVING", a "problem: " line per problem and a "warning: " line per
// warning, then the rest), every value escaped for display
// (common::EscapeForDisplay).
std::string FormatNodeStatus(const NodeStatus& status);

inline constexpr char kFedlinkVersion[] = "0.1.0";

}  // namespace fedlink::server

#endif  // FEDLINK_NODE_SERVER_NODE_STATUS_H_
