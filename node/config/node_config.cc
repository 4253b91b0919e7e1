#include "node/config/node_config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "fedlink/v1/config.pb.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"

namespace fedlink::config {
namespace {

// Collects the first parse error with its line number.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (message_.empty()) message_ = absl::StrCat("line ", line + 1, ": ", message);
  }
  void AddWarning(int line, int column, const std::string& message) override {}
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

}  // namespace

namespace {
constexpr std::pair<NodeRole, absl::string_view> kNodeRoleNames[] = {
    {NodeRole::kAgency, "agency"}, {NodeRole::kNgo, "ngo"}, {NodeRole::kAuditor, "auditor"}};
}  // namespace

absl::StatusOr<NodeRole> ParseNodeRole(absl::string_view text) {
  const std::string t = absl::AsciiStrToLower(text);
  for (const auto& [role, name] : kNodeRoleNames) {
    if (t == name) return role;
  }
  return absl::InvalidArgumentError("unknown node role (expected agency, ngo or auditor)");
}

absl::string_view NodeRoleName(NodeRole role) {
  for (const auto& [r, name] : kNodeRoleNames) {
    if (r == role) return name;
  }
  return "agency";
}

absl::Status ValidateNodeId(absl::string_view id) {
  if (id.empty() || id.size() > 64) {
    return absl::InvalidArgumentError("node id must be 1 to 64 characters");
  }
  if (!absl::ascii_isalnum(static_cast<unsigned char>(id[0]))) {
    return absl::InvalidArgumentError("node id must start with a letter or digit");
  }
  for (char c : id) {
    const auto u = static_cast<unsigned char>(c);
    if (!(absl::ascii_islower(u) || absl::ascii_isdigit(u) || c == '-' || c == '.')) {
      return absl::InvalidArgumentError(
          "node id may hold only lower-case letters, digits, '-' and '.'");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateListenAddress(absl::string_view listen) {
  const size_t colon = listen.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) {
    return absl::InvalidArgumentError("listen address must be HOST:PORT");
  }
  int port = 0;
  if (!absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 1 || port > 65535) {
    return absl::InvalidArgumentError("listen address has no valid port (1-65535)");
  }
  // A host name or an IP address (IPv6 in brackets): it is shown to every
  // member, so nothing that could steer a terminal.
  for (char c : listen.substr(0, colon)) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        absl::string_view(".-_:[]%").find(c) == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          "listen address host may hold only letters, digits and . - _ : [ ] %");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<NodeConfig> ParseNodeConfig(absl::string_view text, absl::string_view file) {
  fedlink::v1::NodeConfig proto;
  google::protobuf::TextFormat::Parser parser;
  FirstErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &proto)) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": ", errors.message()));
  }
  NodeConfig config;
  config.node_id = proto.node_id();
  config.organisation = proto.organisation();
  if (auto s = ValidateNodeId(config.node_id); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": node_id: ", s.message()));
  }
  switch (proto.role()) {
    case fedlink::v1::NODE_ROLE_AGENCY:
      config.role = NodeRole::kAgency;
      break;
    case fedlink::v1::NODE_ROLE_NGO:
      config.role = NodeRole::kNgo;
      break;
    case fedlink::v1::NODE_ROLE_AUDITOR:
      config.role = NodeRole::kAuditor;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(file, ": role: missing or unknown"));
  }
  if (!proto.listen().empty()) config.listen = proto.listen();
  if (auto s = ValidateListenAddress(config.listen); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": listen: ", s.message()));
  }
  config.advertise = proto.advertise();
  if (!config.advertise.empty()) {
    if (auto s = ValidateListenAddress(config.advertise); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(file, ": advertise: ", s.message()));
    }
  }
  if (!proto.default_region().empty()) config.default_region = proto.default_region();
  config.schema_version = static_cast<int>(proto.schema_version());
  if (proto.epoch_days() != 0) {
    if (proto.epoch_days() > 366) {
      return absl::InvalidArgumentError(absl::StrCat(file, ": epoch_days: 1 to 366"));
    }
    config.epoch_days = static_cast<int>(proto.epoch_days());
  }
  if (proto.max_table_records() != 0) config.max_table_records = proto.max_table_records();
  if (proto.max_peer_connections() != 0) {
    if (proto.max_peer_connections() > 65536) {
      return absl::InvalidArgumentError(absl::StrCat(file, ": max_peer_connections: 1 to 65536"));
    }
    config.max_peer_connections = static_cast<int>(proto.max_peer_connections());
  }
  if (proto.keyspec() != 0) {
    if (proto.keyspec() > 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ": keyspec: ", proto.keyspec(), " is not known (1 or 2)"));
    }
    config.keyspec = static_cast<int>(proto.keyspec());
  }
  return config;
}

std::string FormatNodeConfig(const NodeConfig& config) {
  fedlink::v1::NodeConfig proto;
  proto.set_node_id(config.node_id);
  proto.set_organisation(config.organisation);
  proto.set_role(static_cast<fedlink::v1::NodeRole>(static_cast<int>(config.role)));
  proto.set_listen(config.listen);
  proto.set_advertise(config.advertise);
  proto.set_identity_key_file("identity.key");
  proto.set_database_file("node.db");
  proto.set_default_region(config.default_region);
  proto.set_schema_version(static_cast<uint32_t>(config.schema_version));
  proto.set_epoch_days(static_cast<uint32_t>(config.epoch_days));
  proto.set_max_table_records(config.max_table_records);
  proto.set_max_peer_connections(static_cast<uint32_t>(config.max_peer_connections));
  proto.set_keyspec(static_cast<uint32_t>(config.keyspec));
  std::string out =
      "# fedlink node configuration (protobuf text format, "
      "fedlink.v1.NodeConfig)\n";
  std::string body;
  google::protobuf::TextFormat::PrintToString(proto, &body);
  return out + body;
}

absl::StatusOr<NodeConfig> LoadNodeConfig(const common::NodePaths& paths) {
  std::error_code ec;
  if (!std::filesystem::is_directory(paths.dir, ec)) {
    return absl::NotFoundError(
        absl::StrCat(paths.dir, ": not a node directory (create one with `fedlink init`)"));
  }
  auto text = common::ReadWholeFile(paths.config(), common::kMaxSmallFileBytes);
  if (absl::IsNotFound(text.status())) {
    return absl::NotFoundError(absl::StrCat(
        paths.config(), ": missing node configuration (is this a `fedlink init` directory?)"));
  }
  RETURN_IF_ERROR(text.status());
  return ParseNodeConfig(*text, paths.config());
}

}  // namespace fedlink::config
