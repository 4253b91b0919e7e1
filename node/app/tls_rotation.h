// Rotating a node's TLS key (`fedlink rotate tls`): a new key pair waits
// beside the current one until the roster names it, so the node keeps
// serving and calling with the key its peers pin until then:
//
//   DIR/tls.key.next   the new key (sealed under the data key, bound to
//                      the name "tls.key.next"; in the clear on a node
//                      without a data key, as tls.key is)
//   DIR/tls.crt.next   its self-signed certificate
//
// When a roster that lists this node with the new certificate's
// fingerprint is installed (or found before the TLS identity is loaded),
// the pair replaces tls.key and tls.crt (each file atomically; the switch is
// repeated until both are in place, then the .next files removed). Peers
// follow the roster: from their install on they accept only the new
// certificate.
//
//   ASSIGN_OR_RETURN(std::string cert_pem, app::StageNewTlsKey(paths, file_key));
//   ASSIGN_OR_RETURN(bool switched, app::SwitchTlsKeyIfListed(paths, file_key, roster, id));
#ifndef FEDLINK_NODE_APP_TLS_ROTATION_H_
#define FEDLINK_NODE_APP_TLS_ROTATION_H_

#include <string>

#include "absl/status/statusor.h"
#include "crypto/aead.h"
#include "node/common/node_paths.h"
#include "node/federation/roster.h"

namespace fedlink::app {

// Makes a new key and certificate and writes them as the pending pair
// (replacing a pending pair from an earlier rotation). Returns the new
// certificate (PEM).
absl::StatusOr<std::string> StageNewTlsKey(const common::NodePaths& paths,
                                           const crypto::SealingKey* file_key);

// If a pending pair exists and `roster` lists `node_id` with its
// certificate's fingerprint, makes it the node's TLS identity; returns
// whether it did. A pending pair the roster does not name is left waiting.
absl::StatusOr<bool> SwitchTlsKeyIfListed(const common::NodePaths& paths,
                                          const crypto::SealingKey* file_key,
                                          const federation::Roster& roster,
                                          const std::string& node_id);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_TLS_ROTATION_H_
