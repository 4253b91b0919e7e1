// fedlink init: create a node directory (node/app/create_node.h).
#include <sys/stat.h>

#include <iostream>

#include "absl/flags/flag.h"
#include "node/app/create_node.h"
#include "node/cli/command.h"
#include "node/cli/flag_errors.h"
#include "node/cli/flags.h"
#include "node/cli/key_source_flags.h"

ABSL_FLAG(std::string, node_id, "", "Node id: 1-64 of [a-z0-9.-], unique in the federation.");
ABSL_FLAG(std::string, org, "", "Organisation name shown to peers.");
ABSL_FLAG(int, epoch_days, 7, "Days between OPRF key rotations.");
ABSL_FLAG(uint64_t, max_table_records, 10'000'000,
          "The largest tag table this node serves (declared in the roster).");
ABSL_FLAG(std::string, role, "agency", "Node role: agency, ngo or auditor.");
ABSL_FLAG(std::string, listen, "127.0.0.1:7443", "HOST:PORT the node serves peers on (mTLS).");
ABSL_FLAG(std::string, advertise, "",
          "HOST:PORT peers connect to, if not --listen (NAT, port forward, TCP proxy).");

namespace fedlink::cli {
namespace {

int RunInit(const std::vector<std::string>& args) {
  if (!args.empty()) return ReportError("init", absl::InvalidArgumentError("unexpected argument"));
  app::NodeSettings settings;
  settings.node_id = absl::GetFlag(FLAGS_node_id);
  settings.organisation = absl::GetFlag(FLAGS_org);
  settings.role = absl::GetFlag(FLAGS_role);
  settings.listen = absl::GetFlag(FLAGS_listen);
  settings.advertise = absl::GetFlag(FLAGS_advertise);
  settings.default_region = absl::GetFlag(FLAGS_region);
  settings.epoch_days = absl::GetFlag(FLAGS_epoch_days);
  settings.max_table_records = absl::GetFlag(FLAGS_max_table_records);
  settings.keyspec = absl::GetFlag(FLAGS_keyspec);
  auto key_source = KeySourceFromFlags(/*for_init=*/true);
  if (!key_source.ok()) return ReportError("init", key_source.status());
  settings.key_source = *std::move(key_source);
  const std::string dir = absl::GetFlag(FLAGS_dir);
  if (auto s = app::CreateNode(dir, settings); !s.ok()) {
    return ReportError("init", NameFlags(s, {{"node id", "--node-id"},
                                             {"organisation", "--org"},
                                             {"keyspec", "--keyspec"},
                                             {"epoch days", "--epoch-days"},
                                             {"max table records", "--max-table-records"}}));
  }
  std::cout << "initialised node " << settings.node_id << " in " << dir << "\n";
  // A key file on the node's own file system is stolen with it.
  struct stat key_st, dir_st;
  if (settings.key_source.kind == config::KeySource::Kind::kKeyFile &&
      stat(settings.key_source.path.c_str(), &key_st) == 0 && stat(dir.c_str(), &dir_st) == 0 &&
      key_st.st_dev == dir_st.st_dev) {
    std::cerr << "fedlink init: warning: the key file is on the same file system as the node "
                 "directory; keep it on another volume (docs/security.md, \"Data at rest\")\n";
  }
  return kExitOk;
}

FEDLINK_COMMAND("init",
                "  fedlink init --dir DIR --node-id ID --org NAME [--role "
                "agency|ngo|auditor]\n"
                "               [--listen HOST:PORT] [--advertise HOST:PORT] [--region CC]\n"
                "               [--epoch-days 7]\n"
                "               [--max-table-records 10000000] [--keyspec 1|2]\n"
                "               [--key-file PATH | --passphrase-file PATH | --passphrase-fd N |\n"
                "                --credential NAME]\n\n"
                "The node's records and keys are sealed under a data key wrapped by the key\n"
                "source (docs/security.md, \"Data at rest\"): a key file on another volume\n"
                "(created if missing), a passphrase (asked on the terminal by default) or a\n"
                "systemd credential. Later commands find the source in DIR/data.key; the\n"
                "same flags override it.\n\n"
                "--epoch-days: how often the node's OPRF keys rotate (every table peers\n"
                "cached becomes useless). --max-table-records: the largest tag table the\n"
                "node will serve; both go into its membership request and the roster,\n"
                "and peers refuse a larger table.\n"
                "--listen: the address the node binds for peers; --advertise: the one\n"
                "peers connect to (its membership request and the roster list it), if\n"
                "not the same (behind NAT, a port forward or a TCP proxy).\n"
                "--keyspec: the match keys the node derives (docs/linkage.md; default 2,\n"
                "which finds names written in other scripts and spellings); every\n"
                "member of a federation must use the same, and a node refuses a peer's\n"
                "table of another keyspec: nodes of a keyspec 1 federation pass --keyspec 1.",
                "create a node directory: config, data key, identity key, database (sealed)",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "node_id",
                 "org", "role", "listen", "advertise", "region", "epoch_days", "max_table_records",
                 "keyspec"},
                RunInit);

}  // namespace
}  // namespace fedlink::cli
