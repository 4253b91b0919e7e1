// A node's TLS identity: an ECDSA P-256 key and a self-signed X.509
// certificate, made with OpenSSL's libcrypto. Peers do not trust a CA: they
// pin the SHA-256 fingerprint of the DER certificate listed for each node in
// the signed roster, and that pin is what binds a certificate to a node.
//
// The certificate is neutral: every node's names the same kCertificateName
// (subject CN and its one DNS SAN) and nothing else, so a scanner that
// reaches a node's port learns neither its node id nor its organisation.
// (Nodes created before fedlink made neutral certificates carry their node
// id in CN and SAN; they keep working, as only the fingerprint is checked.)
//
// Files in the node directory: tls.key (PEM, mode 0600, refused if looser)
// and tls.crt (PEM).
#ifndef FEDLINK_NODE_TLS_TLS_IDENTITY_H_
#define FEDLINK_NODE_TLS_TLS_IDENTITY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/aead.h"

namespace fedlink::tls {

struct TlsIdentity {
  std::string key_pem;  // secret
  std::string cert_pem;
};

// The subject CN and the only DNS SAN of every certificate fedlink makes.
inline constexpr char kCertificateName[] = "fedlink-node";

// A fresh key and a self-signed certificate valid for `days` days, named
// kCertificateName only.
absl::StatusOr<TlsIdentity> GenerateSelfSigned(int days = 3650);
// The same with `name` as subject CN and DNS SAN, as fedlink named a node's
// certificate by its node id before: only for tests that such nodes keep
// working.
absl::StatusOr<TlsIdentity> GenerateSelfSignedNamed(absl::string_view name, int days = 3650);

// Lower-case hex SHA-256 of the DER encoding of the (first) certificate in
// `cert_pem`.
absl::StatusOr<std::string> Fingerprint(absl::string_view cert_pem);

// Writes tls.key (0600, never overwriting) and tls.crt into `dir`; with
// `key_file_key`, tls.key is sealed under it (crypto/sealed_file.h).
absl::Status Save(const TlsIdentity& identity, const std::string& dir,
                  const crypto::SealingKey* key_file_key = nullptr);
// Loads them, refusing a key file readable by anyone but its owner. With
// `key_file_key` tls.key must be sealed under it; without, it must be clear.
absl::StatusOr<TlsIdentity> Load(const std::string& dir,
                                 const crypto::SealingKey* key_file_key = nullptr);
// The certificate alone (tls.crt, PEM), checked to parse: what a membership
// request needs, without the key.
absl::StatusOr<std::string> LoadCertificate(const std::string& dir);

}  // namespace fedlink::tls

#endif  // FEDLINK_NODE_TLS_TLS_IDENTITY_H_
