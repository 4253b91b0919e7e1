#include "node/app/audit.h"

#include <memory>

#include "absl/time/clock.h"
#include "node/audit/export_service.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"

namespace fedlink::app {
namespace {

// The roster an auditor checks exports against, if named.
absl::StatusOr<std::unique_ptr<federation::Roster>> OpenRosterFile(const std::string& path,
                                                                   const std::string& vkey) {
  if (path.empty()) return nullptr;
  ASSIGN_OR_RETURN(const std::string bytes, common::ReadWholeFile(path));
  auto key = crypto::Verifier::Parse(vkey);
  if (!key.ok())
    return absl::InvalidArgumentError("a roster needs the federation's verifier key to be checked");
  ASSIGN_OR_RETURN(federation::Roster roster, federation::Roster::Open(bytes, *key, absl::Now()));
  return std::make_unique<federation::Roster>(std::move(roster));
}

}  // namespace

absl::StatusOr<AuditExport> ExportAuditLog(Node& node) {
  ASSIGN_OR_RETURN(audit::AuditLog * log, node.AuditLog());
  AuditExport out;
  ASSIGN_OR_RETURN(out.bytes, log->Export());
  ASSIGN_OR_RETURN(const audit::VerifiedExport verified, audit::VerifyExport(out.bytes));
  out.node_id = verified.node_id;
  out.entries = verified.entries;
  out.checkpoints = verified.checkpoints;
  return out;
}

absl::StatusOr<AuditReview> ReviewExportFiles(const ReviewRequest& request) {
  ASSIGN_OR_RETURN(const std::unique_ptr<federation::Roster> roster,
                   OpenRosterFile(request.roster, request.federation_key));
  std::vector<ExportFile> files;
  for (const std::string& path : request.exports) {
    ASSIGN_OR_RETURN(std::string bytes, common::ReadWholeFile(path));
    files.push_back({path, std::move(bytes)});
  }
  return ReviewExports(files, roster.get());
}

absl::StatusOr<std::vector<audit::WitnessResult>> WitnessNow(Node& node) {
  ASSIGN_OR_RETURN(const federation::Self self, node.Self({}));
  ASSIGN_OR_RETURN(audit::AuditLog * log, node.AuditLog());
  ASSIGN_OR_RETURN(const std::vector<federation::Member> peers, node.Peers("", true));
  return audit::WitnessRound(self, peers, *log);
}

absl::StatusOr<std::string> FetchAuditExport(Node& node, const std::string& peer,
                                             absl::Duration deadline) {
  ASSIGN_OR_RETURN(const federation::Self self, node.Self({}));
  ASSIGN_OR_RETURN(const std::vector<federation::Member> members, node.Peers(peer, false));
  return audit::FetchExport(self, members.front(), deadline);
}

}  // namespace fedlink::app
