// fedlink init: create a node directory.
#include <iostream>

#include "absl/flags/flag.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/config/node_dir.h"

ABSL_FLAG(std::string, node_id, "",
          "Node id: 1-64 of [a-z0-9.-], unique in the federation.");
ABSL_FLAG(std::string, org, "", "Organisation name shown to peers.");
ABSL_FLAG(std::string, role, "agency", "Node role: agency, ngo or auditor.");
ABSL_FLAG(std::string, listen, "127.0.0.1:7443",
          "HOST:PORT the node serves peers on (mTLS).");

namespace fedlink::cli {
namespace {

int RunInit(const std::vector<std::string>& args) {
  if (!args.empty())
    return ReportError("init",
                       absl::InvalidArgumentError("unexpected argument"));
  NodeConfig config;
  config.node_id = absl::GetFlag(FLAGS_node_id);
  config.organisation = absl::GetFlag(FLAGS_org);
  if (config.node_id.empty()) {
    return ReportError("init",
                       absl::InvalidArgumentError("--node-id is required"));
  }
  if (config.organisation.empty()) {
    return ReportError("init", absl::InvalidArgumentError("--org is required"));
  }
  auto role = ParseNodeRole(absl::GetFlag(FLAGS_role));
  if (!role.ok()) return ReportError("init", role.status());
  config.role = *role;
  config.listen = absl::GetFlag(FLAGS_listen);
  config.default_region = absl::GetFlag(FLAGS_region);
  const std::string dir = absl::GetFlag(FLAGS_dir);
  if (auto s = InitNode(dir, config); !s.ok()) return ReportError("init", s);
  std::cout << "initialised node " << config.node_id << " in " << dir << "\n";
  return kExitOk;
}

FEDLINK_COMMAND(
    "init",
    "  fedlink init --dir DIR --node-id ID --org NAME [--role "
    "agency|ngo|auditor]\n"
    "               [--listen HOST:PORT] [--region CC]",
    "create a node directory: config, identity key (0600), database",
    {"dir", "node_id", "org", "role", "listen", "region"}, RunInit);

}  // namespace
}  // namespace fedlink::cli
