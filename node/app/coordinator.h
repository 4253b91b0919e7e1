// The federation coordinator's use cases: create the coordinator directory
// (its roster-signing key), add members from their membership requests,
// remove members, and sign the member list as the next roster version.
// The coordinator holds no records and talks to no node: members install
// the signed roster it hands out (membership.h).
//
//   ASSIGN_OR_RETURN(std::string vkey, app::CreateCoordinator("/srv/coord",
//   "eu-ht")); RETURN_IF_ERROR(app::AddMemberFromFile("/srv/coord",
//   "police.txtpb")); ASSIGN_OR_RETURN(app::SignedRoster signed_roster,
//                    app::SignNextRoster("/srv/coord", absl::Hours(720)));
#ifndef FEDLINK_NODE_APP_COORDINATOR_H_
#define FEDLINK_NODE_APP_COORDINATOR_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/federation/roster.h"

namespace fedlink::app {

// Creates COORD with a new roster-signing key (0600) and returns its
// verifier key, which every member pins at its first roster install.
absl::StatusOr<std::string> CreateCoordinator(const std::string& dir,
                                              const std::string& federation_id);

// Adds (or updates) the member described by a membership request file
// (`fedlink member-request`); it takes effect at the next SignNextRoster.
// Errors name the file.
absl::Status AddMemberFromFile(const std::string& dir, const std::string& request_path);

// Removes a member; it is revoked at each node that installs the next
// signed roster. An error naming the node if there is no such member.
absl::Status RemoveRosterMember(const std::string& dir, const std::string& node_id);

// Rolls the roster-signing key over (federation::RotateCoordinatorKey): a
// new key, and a transition to it signed by the old one that every roster
// signed from now on carries; members follow it at their next roster
// install, with no re-pin. Returns the new verifier key (for new members'
// first install).
absl::StatusOr<std::string> RotateRosterKey(const std::string& dir);

struct SignedRoster {
  std::string envelope;       // what members install (roster.bin)
  federation::Roster roster;  // the envelope, verified with the coordinator's key
};
// Signs the current member list as the next roster version, valid for
// `valid_for` from now, and verifies the result as a member would.
absl::StatusOr<SignedRoster> SignNextRoster(const std::string& dir, absl::Duration valid_for);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_COORDINATOR_H_
