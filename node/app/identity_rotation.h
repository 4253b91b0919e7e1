// Rotating a node's identity key (`fedlink rotate identity`): a new Ed25519
// key waits beside the current one until the roster names it, so the node
// keeps signing (requests, answers, access-log checkpoints) with the key its
// peers and witnesses know until then:
//
//   DIR/identity.key.next   the new key (sealed under the data key, bound to
//                           the name "identity.key.next"; in the clear on a
//                           node without a data key, as identity.key is)
//
// When a roster that lists this node with the new key is installed, the
// access log records the change (audit::AuditLog::SwitchIdentity: an entry
// signed by the old key, a checkpoint signed by both), then identity.key is
// replaced and identity.key.next removed. A crash between the two steps is
// finished by the next opening of the log (Node::AuditLog). Peers follow
// the roster: from their install on they accept only the new key.
//
//   ASSIGN_OR_RETURN(std::string request, app::RotateIdentityKey(*node));
//   ASSIGN_OR_RETURN(bool switched, node->SwitchIdentityKeyIfListed(roster));
#ifndef FEDLINK_NODE_APP_IDENTITY_ROTATION_H_
#define FEDLINK_NODE_APP_IDENTITY_ROTATION_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "crypto/aead.h"
#include "crypto/identity.h"
#include "node/app/node.h"
#include "node/common/node_paths.h"

namespace fedlink::app {

// `fedlink rotate identity`: a new identity key, pending (replacing a
// pending one of an earlier rotation), and the membership request naming
// it. Logged as keys.rotate-identity.
absl::StatusOr<std::string> RotateIdentityKey(Node& node);

// The pending key, or null if there is none.
absl::StatusOr<std::unique_ptr<crypto::SigningKey>> LoadPendingIdentityKey(
    const common::NodePaths& paths, const crypto::SealingKey* file_key);

// Makes the pending key the node's identity.key (atomically) and removes
// identity.key.next. Only once the access log signs with it.
absl::Status CommitPendingIdentityKey(const common::NodePaths& paths,
                                      const crypto::SealingKey* file_key);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_IDENTITY_ROTATION_H_
