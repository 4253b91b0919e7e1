// fedlink status: ask a running node over its admin socket
// (node/app/running_node.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "node/app/running_node.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"

namespace fedlink::cli {
namespace {

int RunStatus(const std::vector<std::string>& args) {
  auto status = app::AskRunningNode(absl::GetFlag(FLAGS_dir));
  if (!status.ok()) return ReportError("status", status.status());
  std::cout << "health: SERVING\n" << server::FormatNodeStatus(*status);
  return kExitOk;
}

FEDLINK_COMMAND("status", "  fedlink status --dir DIR",
                "health check and Admin.Status of a running node (over DIR/admin.sock)", {"dir"},
                RunStatus);

}  // namespace
}  // namespace fedlink::cli
