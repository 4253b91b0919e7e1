// What the Admin service reports about a node, as plain C++ (the gRPC
// adapter in admin_service.cc only encodes it).
#ifndef FEDLINK_NODE_SERVER_NODE_STATUS_H_
#define FEDLINK_NODE_SERVER_NODE_STATUS_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/common/clock.h"
#include "node/config/node_config.h"
#include "node/store/record_store.h"

namespace fedlink::server {

struct NodeStatus {
  std::string node_id;
  std::string organisation;
  std::string node_role;
  uint64_t record_count = 0;
  std::map<std::string, uint64_t> records_by_role;
  int schema_version = 0;
  uint64_t uptime_seconds = 0;
  std::string version;
};

// Computes the status of a running node. Thread-safe (the store is).
class NodeStatusSource {
 public:
  NodeStatusSource(const config::NodeConfig& config, store::RecordStore* store,
                   common::Clock* clock)
      : config_(config), store_(store), clock_(clock), started_(clock->Now()) {}
  absl::StatusOr<NodeStatus> Get() const;

 private:
  const config::NodeConfig config_;
  store::RecordStore* store_;
  common::Clock* clock_;
  const absl::Time started_;
};

std::string FormatNodeStatus(const NodeStatus& status);

inline constexpr char kFedlinkVersion[] = "0.1.0";

}  // namespace fedlink::server

#endif  // FEDLINK_NODE_SERVER_NODE_STATUS_H_
