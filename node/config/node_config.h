// The node's configuration file, node.conf: a NodeConfig in protobuf text
// format (proto/fedlink/v1/config.proto). The files of a node directory are
// named in node/common/node_paths.h.
#ifndef FEDLINK_NODE_CONFIG_NODE_CONFIG_H_
#define FEDLINK_NODE_CONFIG_NODE_CONFIG_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/common/node_paths.h"

namespace fedlink::config {

enum class NodeRole { kAgency = 1, kNgo = 2, kAuditor = 3 };
absl::StatusOr<NodeRole> ParseNodeRole(absl::string_view text);
absl::string_view NodeRoleName(NodeRole role);

struct NodeConfig {
  std::string node_id;
  std::string organisation;
  NodeRole role = NodeRole::kAgency;
  std::string listen = "127.0.0.1:7443";  // HOST:PORT the node binds for peers (mTLS)
  // HOST:PORT peers connect to (the roster's endpoint) when not `listen`
  // (NAT, port forward, TCP proxy); empty = `listen`.
  std::string advertise;
  std::string default_region = "GB";  // phones without a country code
  int schema_version = 0;
  int epoch_days = 7;                       // OPRF key epoch
  uint64_t max_table_records = 10'000'000;  // largest tag table served
  int max_peer_connections = 256;           // peer connections at once (1-65536)
  int keyspec = 1;                          // match-key catalogue (1 or 2): node/match/keyspec.h
};

// Where peers reach the node: `advertise`, or `listen` if not set.
inline const std::string& AdvertisedAddress(const NodeConfig& config) {
  return config.advertise.empty() ? config.listen : config.advertise;
}

// Node ids are 1-64 characters of [a-z0-9.-], starting with a letter or
// digit: they appear in file names, signed notes and every member's output.
absl::Status ValidateNodeId(absl::string_view node_id);
// HOST:PORT with a port in 1..65535 and a host of letters, digits and
// . - _ : [ ] % only.
absl::Status ValidateListenAddress(absl::string_view listen);

// Parses node.conf text. Errors name the file and what is wrong.
absl::StatusOr<NodeConfig> ParseNodeConfig(absl::string_view text, absl::string_view file);
std::string FormatNodeConfig(const NodeConfig& config);

// Loads DIR/node.conf, checking the directory exists and looks like a node
// directory.
absl::StatusOr<NodeConfig> LoadNodeConfig(const common::NodePaths& paths);

}  // namespace fedlink::config

#endif  // FEDLINK_NODE_CONFIG_NODE_CONFIG_H_
