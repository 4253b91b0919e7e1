#include "node/server/node_status.h"

#include "absl/strings/str_cat.h"
#include "node/common/safe_text.h"
#include "node/common/status_macros.h"

namespace fedlink::server {

absl::StatusOr<NodeStatus> NodeStatusSource::Get() const {
  NodeStatus s;
  s.node_id = config_.node_id;
  s.organisation = config_.organisation;
  s.node_role = std::string(config::NodeRoleName(config_.role));
  if (health_) s.health = health_();
  // An unusable store is reported, not an error: the operator needs the rest.
  absl::StatusOr<std::map<record::Role, uint64_t>> by_role = store_->CountByRole();
  if (by_role.ok()) {
    for (const auto& [role, count] : *by_role) {
      s.records_by_role[std::string(record::RoleName(role))] = count;
      s.record_count += count;
    }
  } else if (s.health.serving) {
    s.health.serving = false;
    s.health.problems.push_back(
        absl::StrCat("record store unusable: ", by_role.status().message()));
  }
  s.schema_version = store_->schema_version();
  s.uptime_seconds = static_cast<uint64_t>(absl::ToInt64Seconds(clock_->Now() - started_));
  s.version = kFedlinkVersion;
  if (peers_) s.peers = peers_();
  return s;
}

std::string FormatPeerService(const PeerService& p) {
  if (p.state == "serving") return absl::StrCat("serving ", p.detail);
  return absl::StrCat(p.state, p.reason.empty() ? "" : absl::StrCat(" (", p.reason, ")"),
                      p.detail.empty() ? "" : ": ", p.detail);
}

std::string FormatNodeStatus(const NodeStatus& s) {
  using common::EscapeForDisplay;
  std::string out = absl::StrCat("health: ", s.health.serving ? "SERVING" : "NOT_SERVING", "\n");
  for (const std::string& p : s.health.problems) {
    absl::StrAppend(&out, "problem: ", EscapeForDisplay(p), "\n");
  }
  for (const std::string& w : s.health.warnings) {
    absl::StrAppend(&out, "warning: ", EscapeForDisplay(w), "\n");
  }
  absl::StrAppend(&out, "node_id: ", EscapeForDisplay(s.node_id),
                  "\norganisation: ", EscapeForDisplay(s.organisation),
                  "\nrole: ", EscapeForDisplay(s.node_role), "\nrecords: ", s.record_count, "\n");
  for (const auto& [role, count] : s.records_by_role) {
    absl::StrAppend(&out, "  ", EscapeForDisplay(role), ": ", count, "\n");
  }
  absl::StrAppend(&out, "schema_version: ", s.schema_version,
                  "\nuptime_seconds: ", s.uptime_seconds,
                  "\nversion: ", EscapeForDisplay(s.version), "\n");
  absl::StrAppend(&out, "peers: ", EscapeForDisplay(FormatPeerService(s.peers)), "\n");
  return out;
}

}  // namespace fedlink::server
