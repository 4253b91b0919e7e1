#include "node/app/running_node.h"

#include "node/common/node_paths.h"
#include "node/common/status_macros.h"
#include "node/server/admin_client.h"

namespace fedlink::app {

absl::StatusOr<server::NodeStatus> AskRunningNode(const std::string& dir, absl::Duration deadline) {
  if (dir.empty()) return absl::InvalidArgumentError("node directory is required");
  const common::NodePaths paths(dir);
  ASSIGN_OR_RETURN(const bool serving, server::NodeIsServing(paths, deadline));
  ASSIGN_OR_RETURN(server::NodeStatus status, server::FetchNodeStatus(paths, deadline));
  // The health check is the verdict; Admin.Status says why.
  if (!serving && status.health.problems.empty()) {
    status.health.problems.push_back("the health check says NOT_SERVING (the node is stopping)");
  }
  status.health.serving = serving && status.health.problems.empty();
  return status;
}

}  // namespace fedlink::app
