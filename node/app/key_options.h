// The keyspec options a node derives its keys with: its default phone
// region and the keyspec version its node.conf names (node/match/keyspec.h).
// Every path that derives keys for matching (tables, queries, lookups,
// sharing previews, dedup) uses this, so a node never mixes versions.
#ifndef FEDLINK_NODE_APP_KEY_OPTIONS_H_
#define FEDLINK_NODE_APP_KEY_OPTIONS_H_

#include "node/config/node_config.h"
#include "node/match/keyspec.h"

namespace fedlink::app {

// node.conf's keyspec is validated (1 or 2) when the file is parsed.
inline match::keyspec::Options KeyOptions(const config::NodeConfig& config) {
  return {config.default_region, static_cast<match::keyspec::Version>(config.keyspec)};
}

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_KEY_OPTIONS_H_
