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

// The target name a pinned channel to `node_id` gives gRPC in place of the
// host it dials (GRPC_SSL_TARGET_NAME_OVERRIDE_ARG): the name the node's
// certificate carries (node/tls: CN and DNS name tls::kCertificateName). gRPC's TLS
// client sends the target name as the TLS server name (SNI); a host name or
// address there matches nothing in the certificate, and the server logged
// "No match found for server name" on every connection. Nothing else uses
// the name: the pin, not the name, authenticates the server (certificate
// name and call-host checks are off).
// Every certificate since the neutral ones carries the one name
// tls::kCertificateName (a node with an older, node-named certificate is
// still reached; its server logs the mismatch until it is re-issued).
inline std::string PinnedTargetName(absl::string_view /*node_id*/) { return tls::kCertificateName; }

std::shared_ptr<grpc::ServerCredentials> PinnedServerCredentials(const tls::TlsIdentity& own,
                                                                 FingerprintCheck accept);
std::shared_ptr<grpc::ChannelCredentials> PinnedChannelCredentials(
    const tls::TlsIdentity& own, std::string expected_server_sha256);

}  // namespace fedlink::federation

#endif  // FEDLINK_NODE_FEDERATION_PINNING_H_
