// What an auditor gets from a set of access-log exports: each export
// verified (against a signed roster when given), their entries decoded, the
// logs joined on exchange id, and the anomalies found. `fedlink audit verify`
// prints a review, `fedlink audit report` and the web console render it
// (audit_report.h).
//
//   ASSIGN_OR_RETURN(app::AuditReview review,
//                    app::ReviewExports({{"police.audit", bytes}}, &roster));
//   if (!review.ok()) ... review.logs[i].failure names the entry and reason ...
//
// Pure: no I/O, no clock; safe to call from any thread. Exports hold no
// personal data (audit::Event never does), so neither does a review.
#ifndef FEDLINK_NODE_APP_AUDIT_REVIEW_H_
#define FEDLINK_NODE_APP_AUDIT_REVIEW_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/audit/audit_log.h"
#include "node/federation/roster.h"

namespace fedlink::app {

// One entry of a verified export, decoded from fedlink.v1.AuditEntry.
struct ExportedEntry : audit::Event {
  int64_t time_unix_micros = 0;  // UTC
};

// An export to review, named as the auditor knows it (a file path).
struct ExportFile {
  std::string name;
  std::string bytes;
};

struct LogReview {
  std::string path;  // the export's name
  std::string node_id;
  std::string sha256;  // hex SHA-256 of the export's bytes, as read
  bool ok = false;
  std::string failure;  // the exact entry or checkpoint and reason
  uint64_t entries = 0;
  uint64_t checkpoints = 0;
  std::vector<std::string> witnesses;  // verified cosigners, one per cosignature
  // The node's identity keys over the log, oldest first (more than one after
  // `fedlink rotate identity`: docs/audit.md "Identity key changes").
  std::vector<std::string> identity_vkeys;
  // Provenance of a verified log: the times of its first and last entries
  // (UTC micros), its last checkpoint's size and root (base64, as signed),
  // and the largest checkpoint each witness cosigned.
  int64_t first_time_unix_micros = 0;
  int64_t last_time_unix_micros = 0;
  uint64_t last_checkpoint_size = 0;
  std::string last_checkpoint_root;
  std::map<std::string, uint64_t> cosigned_up_to;
};

// An exchange one log has and the log of its other node, also reviewed,
// lacks: entries.at(node)[index], missing at `other`.
struct OrphanEntry {
  std::string node;
  size_t index = 0;
  std::string other;
};

struct AuditReview {
  // Whether every node key and witness was checked against a signed roster
  // (and its version); without one, node keys are self-declared.
  bool roster_checked = false;
  uint64_t roster_version = 0;
  std::vector<LogReview> logs;                                // in the order given
  std::map<std::string, std::vector<ExportedEntry>> entries;  // verified logs, by node
  int joined = 0;                                             // exchanges found in both logs
  std::vector<std::string> anomalies;                         // orphans, mismatches
  std::vector<OrphanEntry> orphans;                           // the orphans among them
  std::map<std::string, std::string> roles;  // node id -> roster role (with a roster)
  bool ok() const;                           // every log verified and no anomaly
};

// Verifies every export (with `roster`, if not null: the node must be a
// member, its key the roster's and every witness a member) and, given two
// or more verified logs, joins them on exchange id. An export that does not
// verify is a failed LogReview, not an error.
AuditReview ReviewExports(const std::vector<ExportFile>& exports, const federation::Roster* roster);

// One serialized fedlink.v1.AuditEntry of a verified export, decoded.
ExportedEntry DecodeEntry(const std::string& serialized);

// The verified entries of one export, in log order. DataLoss or
// InvalidArgument (naming the entry or checkpoint) if it does not verify.
absl::StatusOr<std::vector<ExportedEntry>> VerifiedEntries(absl::string_view export_bytes);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_AUDIT_REVIEW_H_
