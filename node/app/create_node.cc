#include "node/app/create_node.h"

#include "node/common/status_macros.h"
#include "node/config/node_dir.h"

namespace fedlink::app {

absl::Status CreateNode(const std::string& dir, const NodeSettings& settings) {
  config::NodeConfig config;
  config.node_id = settings.node_id;
  config.organisation = settings.organisation;
  if (config.node_id.empty()) return absl::InvalidArgumentError("node id is required");
  if (config.organisation.empty()) return absl::InvalidArgumentError("organisation is required");
  ASSIGN_OR_RETURN(config.role, config::ParseNodeRole(settings.role));
  config.listen = settings.listen;
  config.advertise = settings.advertise;
  config.default_region = settings.default_region;
  config.epoch_days = settings.epoch_days;
  config.max_table_records = settings.max_table_records;
  config.keyspec = settings.keyspec;
  if (config.keyspec != 1 && config.keyspec != 2) {
    return absl::InvalidArgumentError("keyspec: 1 or 2");
  }
  if (config.epoch_days < 1 || config.epoch_days > 366) {
    return absl::InvalidArgumentError("epoch days: 1 to 366");
  }
  if (config.max_table_records < 1) {
    return absl::InvalidArgumentError("max table records: at least 1");
  }
  if (settings.key_source.kind == config::KeySource::Kind::kRecorded) {
    return absl::InvalidArgumentError(
        "a key source is required: a key file (on another volume), a passphrase (from a file "
        "or a file descriptor) or a system credential");
  }
  return config::InitNode(dir, config, &settings.key_source);
}

}  // namespace fedlink::app
