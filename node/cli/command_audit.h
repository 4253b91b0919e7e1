// The node's audit log as a command uses it: opened (and verified) with the
// node's identity key, refusing to act on a log that does not verify. An
// action whose entry cannot be written is reported as failed.
#ifndef FEDLINK_NODE_CLI_COMMAND_AUDIT_H_
#define FEDLINK_NODE_CLI_COMMAND_AUDIT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "node/audit/audit_log.h"
#include "node/config/node_dir.h"

namespace fedlink::cli {

// `node` must have been opened with load_identity and outlive the log.
inline absl::StatusOr<std::unique_ptr<audit::AuditLog>> OpenCommandAudit(
    const OpenedNode& node) {
  if (node.identity == nullptr) {
    return absl::InternalError("audit log: the node's identity key is not loaded");
  }
  return audit::AuditLog::Open(node.paths.dir, node.identity.get());
}

using audit::OutcomeOf;

}  // namespace fedlink::cli

#endif  // FEDLINK_NODE_CLI_COMMAND_AUDIT_H_
