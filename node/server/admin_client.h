// Calls a local node's admin socket (for `fedlink status` and tests).
#ifndef FEDLINK_NODE_SERVER_ADMIN_CLIENT_H_
#define FEDLINK_NODE_SERVER_ADMIN_CLIENT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/config/node_config.h"
#include "node/server/node_status.h"

namespace fedlink::server {

// Admin.Status over unix:DIR/admin.sock with a deadline.
absl::StatusOr<NodeStatus> FetchNodeStatus(const common::NodePaths& paths, absl::Duration deadline);

// grpc.health.v1 Check on the admin socket: true if SERVING, false if
// NOT_SERVING; Unavailable ("node is not running") if nothing answers.
absl::StatusOr<bool> NodeIsServing(const common::NodePaths& paths, absl::Duration deadline);

// grpc.health.v1 Check on the admin socket: OK if SERVING.
absl::Status CheckNodeHealth(const common::NodePaths& paths, absl::Duration deadline);

}  // namespace fedlink::server

#endif  // FEDLINK_NODE_SERVER_ADMIN_CLIENT_H_
