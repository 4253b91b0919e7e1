// fedlink init: create a node directory.
#include <iostream>

#include "absl/flags/flag.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/config/node_dir.h"

ABSL_FLAG(std::string, node_id, "",
          "Node id: 1-64 of [a-z0-9.-], unique in the federation.");
ABSL_FLAG(std::string, org, "", "Organisation name shown to peers.");
ABSL_FLAG(int, epoch_days, 7, "Days between OPRF key rotations.");
ABSL_FLAG(uint64_t, max_table_records, 10'000'000,
          "The largest tag table this node serves (declared in the roster).");
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
  config.epoch_days = absl::GetFlag(FLAGS_epoch_days);
  config.max_table_records = absl::GetFlag(FLAGS_max_table_records);
  if (config.epoch_days < 1 || config.epoch_days > 366) {
    return ReportError("init", absl::InvalidArgumentError("--epoch-days: 1 to 366"));
  }
  if (config.max_table_records < 1) {
    return ReportError("init", absl::InvalidArgumentError("--max-table-records: at least 1"));
  }
  const std::string dir = absl::GetFlag(FLAGS_dir);
  if (auto s = InitNode(dir, config); !s.ok()) return ReportError("init", s);
  std::cout << "initialised node " << config.node_id << " in " << dir << "\n";
  return kExitOk;
}

FEDLINK_COMMAND(
    "init",
    "  fedlink init --dir DIR --node-id ID --org NAME [--role "
    "agency|ngo|auditor]\n"
    "               [--listen HOST:PORT] [--region CC] [--epoch-days 7]\n"
    "               [--max-table-records 10000000]\n\n"
    "--epoch-days: how often the node's OPRF keys rotate (every table peers\n"
    "cached becomes useless). --max-table-records: the largest tag table the\n"
    "node will serve; both go into its membership request and the roster,\n"
    "and peers refuse a larger table.",
    "create a node directory: config, identity key (0600), database",
    {"dir", "node_id", "org", "role", "listen", "region", "epoch_days", "max_table_records"},
    RunInit);

}  // namespace
}  // namespace fedlink::cli
