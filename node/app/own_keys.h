// The node's own OPRF and handle keys: the responder that serves peers with
// them, re-keying after a record leaves the tables (delete, consent
// withdrawn), and every handle of the node (for `fedlink eval`, bench match).
//
// The one place in the application layer that opens the node's keyring
// (private_match/keyring.h) or its responder; the use cases call these.
#ifndef FEDLINK_NODE_APP_OWN_KEYS_H_
#define FEDLINK_NODE_APP_OWN_KEYS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "node/app/node.h"
#include "node/config/node_dir.h"

namespace fedlink::private_match {
class Responder;
}  // namespace fedlink::private_match

namespace fedlink::app {

// The node's responder (its policy, keyring and records) that answers peers'
// match requests, on the system clock. The caller includes
// node/private_match/responder.h to use it.
absl::StatusOr<std::unique_ptr<private_match::Responder>> OpenOwnResponder(
    const config::OpenedNode& node);

// Starts a new OPRF key generation: every tag table built before (and cached
// by a peer) opens nothing, so a record no longer shared is in no table a
// peer can use. Requesters notice and refetch.
absl::Status RekeyOwnTables(const Node& node);

// Every handle of the node's records issued to one of `requesters` under a
// key generation still live (private_match::kHandleLifetime), and the
// external id behind it (owner only: handles are opaque to everyone else).
absl::StatusOr<absl::flat_hash_map<std::string, std::string>> OwnHandles(
    const config::OpenedNode& node, const std::vector<std::string>& requesters);
// The same for every other member of the installed roster.
absl::StatusOr<absl::flat_hash_map<std::string, std::string>> OwnHandles(Node& node);

struct ResolvedHandle {
  std::string external_id;
  std::string peer;  // the member the handle was issued to
};
// The record behind one of the node's own handles, issued to `peer` (empty:
// to any other member of the installed roster) under a key generation
// still live; NotFound if none.
absl::StatusOr<ResolvedHandle> ResolveOwnHandle(Node& node, const std::string& handle,
                                                const std::string& peer);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_OWN_KEYS_H_
