#include "node/federation/pinning.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

namespace fedlink::federation {
namespace {

class PinVerifier : public grpc::experimental::ExternalCertificateVerifier {
 public:
  explicit PinVerifier(FingerprintCheck accept) : accept_(std::move(accept)) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> callback, grpc::Status* sync_status) override {
    const grpc::string_ref pem = request->peer_cert();
    auto fp = tls::Fingerprint(absl::string_view(pem.data(), pem.size()));
    if (!fp.ok() || !accept_(*fp)) {
      *sync_status = grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                  "peer certificate is not pinned by the roster");
    } else {
      *sync_status = grpc::Status::OK;
    }
    return true;  // decided synchronously
  }
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest*) override {}

 private:
  FingerprintCheck accept_;
};

std::shared_ptr<grpc::experimental::CertificateProviderInterface> Provider(
    const tls::TlsIdentity& own) {
  return std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
      std::vector<grpc::experimental::IdentityKeyCertPair>{{own.key_pem, own.cert_pem}});
}

}  // namespace

std::shared_ptr<grpc::ServerCredentials> PinnedServerCredentials(const tls::TlsIdentity& own,
                                                                 FingerprintCheck accept) {
  grpc::experimental::TlsServerCredentialsOptions options(Provider(own));
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_BUT_DONT_VERIFY);
  options.set_certificate_verifier(
      grpc::experimental::ExternalCertificateVerifier::Create<PinVerifier>(std::move(accept)));
  return grpc::experimental::TlsServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> PinnedChannelCredentials(
    const tls::TlsIdentity& own, std::string expected_server_sha256) {
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(Provider(own));
  options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(false);  // no CA: the pin below decides
  options.set_check_call_host(false);
  options.set_certificate_verifier(
      grpc::experimental::ExternalCertificateVerifier::Create<PinVerifier>(
          [want = std::move(expected_server_sha256)](absl::string_view got) {
            return got == want;
          }));
  return grpc::experimental::TlsCredentials(options);
}

}  // namespace fedlink::federation
