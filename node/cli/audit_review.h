// What an auditor gets from a set of exports: each log verified, the logs
// joined on exchange id, and the anomalies found (`fedlink audit verify`
// prints it, `fedlink audit report` renders it as a self-contained page).
#ifndef FEDLINK_NODE_CLI_AUDIT_REVIEW_H_
#define FEDLINK_NODE_CLI_AUDIT_REVIEW_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fedlink/v1/audit.pb.h"
#include "node/federation/roster.h"

namespace fedlink::cli {

struct LogReview {
  std::string path;
  std::string node_id;
  bool ok = false;
  std::string failure;  // the exact entry or checkpoint and reason
  uint64_t entries = 0;
  uint64_t checkpoints = 0;
  std::vector<std::string> witnesses;
};

struct AuditReview {
  std::vector<LogReview> logs;
  std::map<std::string, std::vector<fedlink::v1::AuditEntry>> entries;  // by node
  int joined = 0;                      // exchanges found in both logs
  std::vector<std::string> anomalies;  // orphans, mismatches
  bool ok() const;
};

// Verifies every export (against `roster` when given) and joins them.
absl::StatusOr<AuditReview> ReviewExports(const std::vector<std::string>& paths,
                                          const federation::Roster* roster);

// A self-contained HTML page (no network, no script) for an auditor.
std::string RenderReport(const AuditReview& review, absl::Time now);

}  // namespace fedlink::cli

#endif  // FEDLINK_NODE_CLI_AUDIT_REVIEW_H_
