// This node as a party to requests it sends: its id, signing key, TLS
// identity, and who acts on what basis (carried in every request header and
// logged by both nodes). A plain struct, so the audit log can describe an
// exchange without the peer client.
#ifndef FEDLINK_NODE_FEDERATION_SELF_H_
#define FEDLINK_NODE_FEDERATION_SELF_H_

#include <string>

#include "crypto/identity.h"
#include "node/common/clock.h"
#include "node/tls/tls_identity.h"

namespace fedlink::federation {

struct Self {
  std::string node_id;
  const crypto::SigningKey* identity = nullptr;
  tls::TlsIdentity tls;
  common::Clock* clock = nullptr;
  // Carried in every request header and logged by both nodes.
  std::string legal_basis = "";
  std::string official = "";
};

}  // namespace fedlink::federation

#endif  // FEDLINK_NODE_FEDERATION_SELF_H_
