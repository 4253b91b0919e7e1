// What a command needs to talk to peers: the opened node (with its identity
// key), the installed roster and the node's TLS identity, and the own-use
// rules that apply before anything about a record leaves the node.
#ifndef FEDLINK_NODE_CLI_PEER_SESSION_H_
#define FEDLINK_NODE_CLI_PEER_SESSION_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/config/node_dir.h"
#include "node/federation/peer_client.h"
#include "node/federation/roster.h"

namespace fedlink::cli {

struct PeerSession {
  std::unique_ptr<OpenedNode> node;
  std::unique_ptr<federation::Roster> roster;
  tls::TlsIdentity tls;
  // Carries --legal-basis and --official (if the command takes them) in
  // every request.
  federation::Self self() const;
  // The members to ask: `peer` alone (it must be a member) or, if `all`,
  // every member except this node.
  absl::StatusOr<std::vector<federation::Member>> Peers(const std::string& peer,
                                                        bool all) const;
};

absl::StatusOr<PeerSession> OpenPeerSession(const std::string& dir);

// A purpose must be declared in the node's policy when it has one.
absl::Status CheckPurpose(const OpenedNode& node, const std::string& purpose);

// The node's own use of a record for `purpose` (as a query, or in a contact
// request): a victim's or witness's record only with consent covering the
// purpose and not expired. Hashed or encrypted identifiers count as
// disclosure (VAWA, 34 USC 12291(b)(2)), so without consent nothing derived
// from the record leaves the node, not even blinded.
bool UsableForOutboundQuery(const Person& record, const std::string& purpose,
                            absl::Time now);

}  // namespace fedlink::cli

#endif  // FEDLINK_NODE_CLI_PEER_SESSION_H_
