#include "node/app/coordinator.h"

#include "absl/time/clock.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"

namespace fedlink::app {

absl::StatusOr<std::string> CreateCoordinator(const std::string& dir,
                                              const std::string& federation_id) {
  return federation::InitCoordinator(dir, federation_id);
}

absl::Status AddMemberFromFile(const std::string& dir, const std::string& request_path) {
  ASSIGN_OR_RETURN(const std::string text,
                   common::ReadWholeFile(request_path, common::kMaxSmallFileBytes));
  return federation::AddMember(dir, text, request_path);
}

absl::Status RemoveRosterMember(const std::string& dir, const std::string& node_id) {
  return federation::RemoveMember(dir, node_id);
}

absl::StatusOr<std::string> RotateRosterKey(const std::string& dir) {
  return federation::RotateCoordinatorKey(dir, absl::Now());
}

absl::StatusOr<SignedRoster> SignNextRoster(const std::string& dir, absl::Duration valid_for) {
  const absl::Time now = absl::Now();
  SignedRoster out;
  ASSIGN_OR_RETURN(out.envelope, federation::SignRoster(dir, valid_for, now));
  ASSIGN_OR_RETURN(const std::string vkey, federation::CoordinatorVkey(dir));
  ASSIGN_OR_RETURN(const crypto::Verifier key, crypto::Verifier::Parse(vkey));
  ASSIGN_OR_RETURN(out.roster, federation::Roster::Open(out.envelope, key, now));
  return out;
}

}  // namespace fedlink::app
