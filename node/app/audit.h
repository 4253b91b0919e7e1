// The access-log use cases (docs/audit.md): a node exports its own log or
// has its peers witness (cosign) it now; an auditor member fetches a node's
// log over mutual TLS; anyone reviews exports offline (audit_review.h) and
// renders the review (audit_report.h).
//
//   ASSIGN_OR_RETURN(app::AuditExport out, app::ExportAuditLog(*node));
//   ... write out.bytes to a file ...
//   ASSIGN_OR_RETURN(app::AuditReview review,
//                    app::ReviewExportFiles({.exports = {"police.audit"},
//                                            .roster = "roster.bin",
//                                            .federation_key = vkey}));
//
// The node's log is opened (and verified) by Node::AuditLog: a log that does
// not verify is refused. Nothing here holds personal data.
#ifndef FEDLINK_NODE_APP_AUDIT_H_
#define FEDLINK_NODE_APP_AUDIT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/app/audit_review.h"
#include "node/app/node.h"
#include "node/audit/witness_round.h"

namespace fedlink::app {

// A self-contained, verifiable export of the node's own log, verified again
// as an auditor would before it is handed out.
struct AuditExport {
  std::string bytes;
  std::string node_id;
  uint64_t entries = 0;
  uint64_t checkpoints = 0;
};
absl::StatusOr<AuditExport> ExportAuditLog(Node& node);

struct ReviewRequest {
  std::vector<std::string> exports{};  // export files
  // Optional: a signed roster file to check every export's node key and
  // witnesses against, and the federation key it must verify with.
  std::string roster{};
  std::string federation_key{};
};
// Reads the roster (if any) and every export, then reviews them
// (ReviewExports). Errors: a file that cannot be read (NotFound), a roster
// without a federation key (InvalidArgument) or that does not verify with
// it. An export that does not verify is not an error: see AuditReview::ok.
absl::StatusOr<AuditReview> ReviewExportFiles(const ReviewRequest& request);

// Asks every other roster member to cosign the log's latest checkpoint now
// (each checks it is consistent with the last it cosigned) and keeps the
// cosignatures for exports. NotFound without an installed roster; a peer
// that refuses or cannot be reached is in its result (one per peer, in roster
// order).
absl::StatusOr<std::vector<audit::WitnessResult>> WitnessNow(Node& node);

inline constexpr absl::Duration kFetchExportDeadline = absl::Minutes(5);
// On an auditor member's node: fetches `peer`'s export over mutual TLS and
// verifies it against the peer's roster key. InvalidArgument if `peer` is
// not a member; PermissionDenied if the peer's policy does not let this
// node fetch it; Unavailable / DeadlineExceeded if it cannot be reached.
absl::StatusOr<std::string> FetchAuditExport(Node& node, const std::string& peer,
                                             absl::Duration deadline = kFetchExportDeadline);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_AUDIT_H_
