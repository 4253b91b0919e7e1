#include "node/app/running_node.h"

#include "node/common/node_paths.h"
#include "node/common/status_macros.h"
#include "node/server/admin_client.h"

namespace fedlink::app {

absl::StatusOr<server::NodeStatus> AskRunningNode(const std::string& dir, absl::Duration deadline) {
  if (dir.empty()) return absl::InvalidArgumentError("--dir is required");
  const common::NodePaths paths(dir);
  RETURN_IF_ERROR(server::CheckNodeHealth(paths, deadline));
  return server::FetchNodeStatus(paths, deadline);
}

}  // namespace fedlink::app
