#include "node/app/audit_restore.h"

#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "node/app/node.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"

namespace fedlink::app {
namespace {
constexpr char kMarkerHeader[] = "fedlink audit restored v1";
}  // namespace

std::string RestoreMarkerPath(const common::NodePaths& paths) {
  return paths.dir + "/audit.restored";
}

std::string RestoreMarkerText(const BackupManifest& m) {
  return absl::StrCat(kMarkerHeader, "\n", "backup-created ", m.created, "\n", "audit-entries ",
                      m.audit_entries, "\n");
}

absl::Status CheckNotRestored(const common::NodePaths& paths) {
  struct stat st;
  const std::string marker = RestoreMarkerPath(paths);
  if (lstat(marker.c_str(), &st) != 0) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      marker,
      ": this node was restored from a backup and its access log may be older than what peers "
      "cosigned; an operator must accept the restore (audit accept-restore, docs/audit.md) "
      "before it serves or logs"));
}

absl::StatusOr<AcceptedRestore> AcceptRestore(Node& node) {
  const std::string marker = RestoreMarkerPath(node.paths());
  struct stat st;
  if (lstat(marker.c_str(), &st) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(marker, ": missing; this node was not restored from a backup"));
  }
  ASSIGN_OR_RETURN(const std::string text, common::ReadWholeFile(marker, 4096));
  AcceptedRestore accepted;
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (lines.size() != 4 || lines[0] != kMarkerHeader ||
      !absl::SimpleAtoi(absl::StripPrefix(lines[1], "backup-created "), &accepted.backup_created) ||
      !absl::SimpleAtoi(absl::StripPrefix(lines[2], "audit-entries "),
                        &accepted.restored_entries)) {
    return absl::DataLossError(absl::StrCat(marker, ": corrupt restore marker"));
  }
  ASSIGN_OR_RETURN(audit::AuditLog * log, node.AuditLog());
  if (log->size() != accepted.restored_entries) {
    return absl::DataLossError(absl::StrCat(marker, ": the log has ", log->size(),
                                            " entries, the backup had ",
                                            accepted.restored_entries));
  }
  audit::Event event;
  event.event = "audit.restore";
  event.requester = node.id();
  event.count = accepted.restored_entries;
  event.detail = absl::StrCat(
      "restored from a backup made at ", accepted.backup_created, " (Unix time) with ",
      accepted.restored_entries,
      " entries; entries appended after the backup are lost and witnesses that cosigned a larger "
      "tree will refuse this log as a rollback");
  ASSIGN_OR_RETURN(accepted.entry_index, log->Append(event));
  RETURN_IF_ERROR(log->Checkpoint().status());
  if (unlink(marker.c_str()) != 0) {
    return absl::InternalError(absl::StrCat(marker, ": cannot remove"));
  }
  return accepted;
}

}  // namespace fedlink::app
