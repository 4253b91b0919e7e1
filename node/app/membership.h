// A node's membership in the federation: its membership request for the
// coordinator, and the signed roster it installs (higher version, unexpired,
// signed with the pinned federation key) and shows.
//
//   ASSIGN_OR_RETURN(std::string request, app::MembershipRequest(*node));
//   ASSIGN_OR_RETURN(app::RosterInstall installed,
//                    app::InstallRosterFile(*node, "roster.bin", vkey));
//
// A Node already open sees the new roster at its next Node::Roster().
#ifndef FEDLINK_NODE_APP_MEMBERSHIP_H_
#define FEDLINK_NODE_APP_MEMBERSHIP_H_

#include <string>

#include "absl/status/statusor.h"
#include "node/app/node.h"
#include "node/federation/roster.h"

namespace fedlink::app {

// This node's membership request as protobuf text (node id, organisation,
// role, endpoint, Ed25519 key, TLS fingerprint, epoch, table limit).
absl::StatusOr<std::string> MembershipRequest(Node& node);

// `fedlink rotate tls`: a new TLS key pair, pending beside the current one
// (tls_rotation.h), and the membership request that names it. The node
// keeps its current key until a roster with the new one is installed.
absl::StatusOr<std::string> RotateTlsKey(Node& node);

// `fedlink rotate identity`: see identity_rotation.h (RotateIdentityKey).

struct RosterInstall {
  federation::Roster roster;
  bool lists_this_node = false;  // false: the node installed a roster it is not in
  // The roster names the new TLS key of `fedlink rotate tls`: it replaced
  // the old one (a running `fedlink serve` uses it once restarted).
  bool switched_tls_key = false;
  // The roster names the new identity key of `fedlink rotate identity`: the
  // access log recorded the change and identity.key is the new key.
  bool switched_identity_key = false;
};
// Verifies and installs the signed roster in `path`. `federation_key` is
// required at the first install (then pinned) and may be empty later; a
// roster that is not newer than the installed one is refused (rollback).
// The attempt is logged (roster.install) whether it succeeds or not; if it
// cannot be logged, nothing is reported as installed.
absl::StatusOr<RosterInstall> InstallRosterFile(Node& node, const std::string& path,
                                                const std::string& federation_key);

// The installed roster, verified again; NotFound if none. Needs no identity
// key (the node may be opened without it).
absl::StatusOr<federation::Roster> InstalledRoster(const Node& node);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_MEMBERSHIP_H_
