// fedlink status: ask a running node over its admin socket.
#include <iostream>

#include "absl/flags/flag.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/server/admin_client.h"

namespace fedlink::cli {
namespace {

int RunStatus(const std::vector<std::string>& args) {
  const std::string dir = absl::GetFlag(FLAGS_dir);
  if (dir.empty())
    return ReportError("status",
                       absl::InvalidArgumentError("--dir is required"));
  NodePaths paths(dir);
  if (auto s = CheckNodeHealth(paths, absl::Seconds(5)); !s.ok()) {
    return ReportError("status", s);
  }
  auto status = FetchNodeStatus(paths, absl::Seconds(5));
  if (!status.ok()) return ReportError("status", status.status());
  std::cout << "health: SERVING\n" << FormatNodeStatus(*status);
  return kExitOk;
}

FEDLINK_COMMAND(
    "status", "  fedlink status --dir DIR",
    "health check and Admin.Status of a running node (over DIR/admin.sock)",
    {"dir"}, RunStatus);

}  // namespace
}  // namespace fedlink::cli
