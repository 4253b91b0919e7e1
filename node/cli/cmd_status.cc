// fedlink status: ask a running node over its admin socket
// (node/app/running_node.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "node/app/running_node.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"

namespace fedlink::cli {
namespace {

// Like a monitoring plugin's CRITICAL: the node runs but must not be trusted.
constexpr int kExitNotServing = 3;

int RunStatus(const std::vector<std::string>& args) {
  auto status = app::AskRunningNode(absl::GetFlag(FLAGS_dir));
  if (!status.ok()) return ReportError("status", status.status());
  std::cout << server::FormatNodeStatus(*status);
  return status->health.serving ? kExitOk : kExitNotServing;
}

FEDLINK_COMMAND("status",
                "  fedlink status --dir DIR\n\n"
                "Exits 0 if the node is SERVING, 3 if it is NOT_SERVING (roster expired,\n"
                "access log failed verification, record store unusable), 1 if it is\n"
                "not running.",
                "health check and Admin.Status of a running node (over DIR/admin.sock)", {"dir"},
                RunStatus);

}  // namespace
}  // namespace fedlink::cli
