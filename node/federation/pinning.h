// Mutual TLS pinned to the roster: no CA. A server accepts a client only if
// its certificate's SHA-256 fingerprint is listed in the installed roster;
// a client accepts a server only if its certificate has the fingerprint the
// roster lists for the node it dialled. Plaintext is never offered.
#ifndef FEDLINK_NODE_FEDERATION_PINNING_H_
#define FEDLINK_NODE_FEDERATION_PINNING_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "node/tls/tls_identity.h"

namespace grpc {
class ServerCredentials;
class ChannelCredentials;
}  // namespace grpc

namespace fedlink::federation {

using FingerprintCheck = std::function<bool(absl::string_view sha256_hex)>;

std::shared_ptr<grpc::ServerCredentials> PinnedServerCredentials(const tls::TlsIdentity& own,
                                                                 FingerprintCheck accept);
std::shared_ptr<grpc::ChannelCredentials> PinnedChannelCredentials(
    const tls::TlsIdentity& own, std::string expected_server_sha256);

}  // namespace fedlink::federation

#endif  // FEDLINK_NODE_FEDERATION_PINNING_H_
