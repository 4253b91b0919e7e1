// Creating a node directory: node.conf, the identity key (0600), the TLS
// identity and the record database (node/config/node_dir.h), from settings
// checked here first.
//
//   RETURN_IF_ERROR(app::CreateNode("/srv/fedlink/police",
//                                   {.node_id = "police", .organisation =
//                                   "Police"}));
#ifndef FEDLINK_NODE_APP_CREATE_NODE_H_
#define FEDLINK_NODE_APP_CREATE_NODE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "node/config/key_source.h"

namespace fedlink::app {

struct NodeSettings {
  std::string node_id;                      // 1-64 of [a-z0-9.-], unique in the federation
  std::string organisation;                 // shown to peers
  std::string role = "agency";              // agency, ngo or auditor
  std::string listen = "127.0.0.1:7443";    // HOST:PORT the node binds for peers (mTLS)
  std::string advertise = "";               // HOST:PORT peers connect to; empty = listen
  std::string default_region = "GB";        // for phones without a country code
  int epoch_days = 7;                       // between OPRF key rotations: 1..366
  uint64_t max_table_records = 10'000'000;  // the largest tag table served: >= 1
  int keyspec = 2;                          // match keys (1 or 2): the federation's choice
  // Where the key-encryption key of the node's data key comes from: a key
  // file (created if missing), a passphrase or a systemd credential. Required:
  // a new node is never written in the clear.
  config::KeySource key_source = {};
};

// InvalidArgument naming the setting (as its CLI flag) if one is missing or
// out of range (a key source too); the error of InitNode if `dir` is already
// a node directory or cannot be created, or of the key source.
absl::Status CreateNode(const std::string& dir, const NodeSettings& settings);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_CREATE_NODE_H_
