// Asking a running node (`fedlink serve`) how it is, over its local admin
// socket (DIR/admin.sock): the grpc.health.v1 check (SERVING or
// NOT_SERVING), then Admin.Status (why not, and warnings). Needs no key and
// does not open the node's files.
//
//   ASSIGN_OR_RETURN(NodeStatus status, app::AskRunningNode(dir));
#ifndef FEDLINK_NODE_APP_RUNNING_NODE_H_
#define FEDLINK_NODE_APP_RUNNING_NODE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/server/node_status.h"

namespace fedlink::app {

// The status, with health.serving false and its problems listed when the
// node is NOT_SERVING; Unavailable ("node is not running ...") if nothing
// serves the socket; InvalidArgument if `dir` is empty.
absl::StatusOr<server::NodeStatus> AskRunningNode(const std::string& dir,
                                                  absl::Duration deadline = absl::Seconds(5));

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_RUNNING_NODE_H_
