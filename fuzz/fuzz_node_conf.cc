// Fuzz target: node.conf (config::ParseNodeConfig). An accepted
// configuration holds only valid values, and the text FormatNodeConfig
// writes for it (what `fedlink init` writes) reads back as the same.
#include <cstddef>
#include <cstdint>

#include "absl/strings/match.h"
#include "fuzz/fuzz_support.h"
#include "node/config/node_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using fedlink::config::NodeConfig;
  auto config = fedlink::config::ParseNodeConfig(fedlink::fuzz::AsText(data, size), "node.conf");
  if (!config.ok()) {
    FUZZ_CHECK(absl::StartsWith(config.status().message(), "node.conf: "),
               "a node.conf error that does not name the file");
    return 0;
  }
  const NodeConfig& c = *config;
  FUZZ_CHECK(fedlink::config::ValidateNodeId(c.node_id).ok(), "an invalid node id accepted");
  FUZZ_CHECK(fedlink::config::ValidateListenAddress(c.listen).ok(), "an invalid listen address");
  FUZZ_CHECK(c.epoch_days >= 1 && c.epoch_days <= 366, "epoch_days out of 1..366");
  FUZZ_CHECK(c.max_table_records >= 1, "max_table_records of 0");
  FUZZ_CHECK(!c.default_region.empty(), "an empty default region");
  auto again = fedlink::config::ParseNodeConfig(fedlink::config::FormatNodeConfig(c), "again");
  FUZZ_CHECK(again.ok(), "FormatNodeConfig output that does not parse");
  FUZZ_CHECK(again->node_id == c.node_id && again->organisation == c.organisation &&
                 again->role == c.role && again->listen == c.listen &&
                 again->default_region == c.default_region &&
                 again->schema_version == c.schema_version && again->epoch_days == c.epoch_days &&
                 again->max_table_records == c.max_table_records,
             "FormatNodeConfig output that parses as another configuration");
  return 0;
}
