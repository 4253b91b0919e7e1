#include "node/federation/peer_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/federation.grpc.pb.h"
#include "node/common/node_paths.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/federation/grpc_settings.h"
#include "node/federation/grpc_status.h"
#include "node/federation/nonce_store.h"
#include "node/federation/pinning.h"
#include "node/federation/signed_request.h"
#include "node/federation/signed_rpc.h"

namespace fedlink::federation {
namespace {

// The installed roster, reloaded when roster.bin changes on disk or the one
// held expires.
class RosterHolder {
 public:
  RosterHolder(common::NodePaths paths, common::Clock* clock)
      : paths_(std::move(paths)), clock_(clock) {}

  absl::StatusOr<std::shared_ptr<const Roster>> Get() {
    const int64_t mtime = common::FileMTimeNanos(paths_.roster());
    absl::MutexLock lock(&mu_);
    if (roster_ == nullptr || mtime != mtime_ || roster_->expires_at() <= clock_->Now()) {
      ASSIGN_OR_RETURN(auto loaded, LoadInstalledRoster(paths_, clock_->Now()));
      roster_ = std::make_shared<const Roster>(std::move(loaded));
      mtime_ = mtime;
    }
    return roster_;
  }

  // Whether the TLS handshake accepts `fingerprint`: a member's certificate
  // in the installed roster or, while that cannot be used (expired, rolled
  // back, corrupt), in the last one that could, so that its members get
  // through to hear why every request is refused (RequestVerifier).
  bool Pins(absl::string_view fingerprint) {
    std::shared_ptr<const Roster> roster;
    if (auto current = Get(); current.ok()) {
      roster = *current;
    } else {
      absl::MutexLock lock(&mu_);
      roster = roster_;
    }
    if (roster == nullptr) return false;
    for (const Member& m : roster->members()) {
      if (m.tls_cert_sha256 == fingerprint) return true;
    }
    return false;
  }

 private:
  const common::NodePaths paths_;
  common::Clock* clock_;
  absl::Mutex mu_;
  std::shared_ptr<const Roster> roster_ ABSL_GUARDED_BY(mu_);  // the last usable one
  int64_t mtime_ ABSL_GUARDED_BY(mu_) = 0;
};

// The TLS client certificate fingerprint of a call.
absl::StatusOr<std::string> PeerFingerprint(const grpc::ServerContext& context) {
  auto auth = context.auth_context();
  if (auth == nullptr) return absl::UnauthenticatedError("no TLS peer");
  auto pems = auth->FindPropertyValues("x509_pem_cert");
  if (pems.empty()) return absl::UnauthenticatedError("no TLS client certificate");
  return tls::Fingerprint(absl::string_view(pems[0].data(), pems[0].size()));
}

class VerifierAuth final : public PeerAuth {
 public:
  explicit VerifierAuth(const RequestVerifier* verifier) : verifier_(verifier) {}
  absl::StatusOr<VerifiedRequest> Verify(const grpc::ServerContext& context,
                                         absl::string_view envelope,
                                         absl::string_view message_type) const override {
    ASSIGN_OR_RETURN(auto fp, PeerFingerprint(context));
    return verifier_->Verify(envelope, message_type, fp);
  }

 private:
  const RequestVerifier* verifier_;
};

constexpr SignedMethod kPing = {
    .request = "fedlink.v1.PingRequest",
    .answer = "fedlink.v1.PingAnswer",
    .answered = "federation.ping.answered",  // not logged: the service has no log
    .refused = "federation.ping.refused",
};

class FederationService final : public fedlink::v1::Federation::Service {
 public:
  FederationService(const config::OpenedNode& node, RosterHolder* roster, const PeerAuth& auth,
                    common::Clock* clock)
      : node_(node), roster_(roster), clock_(clock), handler_(auth, node.identity.get(), nullptr) {}

  grpc::Status GetRoster(grpc::ServerContext* context, const fedlink::v1::GetRosterRequest*,
                         fedlink::v1::GetRosterResponse* response) override {
    auto roster = roster_->Get();
    if (!roster.ok()) return ToGrpc(roster.status());
    auto fp = PeerFingerprint(*context);
    if (!fp.ok()) return ToGrpc(fp.status());
    if (!IsMemberFingerprint(**roster, *fp)) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "not a roster member");
    }
    response->set_roster_envelope((*roster)->envelope());
    return grpc::Status::OK;
  }

  grpc::Status Ping(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                    fedlink::v1::Signed* response) override {
    // A ping carries nothing but its header and is not logged.
    auto decode = [](const VerifiedRequest&) { return Done{}; };
    auto roster = [this](const VerifiedRequest&, Done&) { return roster_->Get(); };
    auto answer = [this](const VerifiedRequest& v, std::shared_ptr<const Roster>& roster) {
      fedlink::v1::PingAnswer answer;
      answer.set_node_id(node_.config.node_id);
      answer.set_roster_version(roster->version());
      answer.set_request_sha256(v.digest);
      answer.set_answered_at(absl::ToUnixSeconds(clock_->Now()));
      return answer;
    };
    return Reply(handler_.Unary(*context, request->envelope(), kPing, decode, roster, answer),
                 response);
  }

  static bool IsMemberFingerprint(const Roster& roster, absl::string_view fp) {
    for (const Member& m : roster.members()) {
      if (m.tls_cert_sha256 == fp) return true;
    }
    return false;
  }

 private:
  const config::OpenedNode& node_;
  RosterHolder* roster_;
  common::Clock* clock_;
  SignedHandler handler_;
};

}  // namespace

struct PeerServer::Impl {
  std::unique_ptr<RosterHolder> roster;
  std::unique_ptr<NonceStore> nonces;
  std::unique_ptr<RequestVerifier> verifier;
  std::unique_ptr<VerifierAuth> auth;
  std::unique_ptr<FederationService> service;
  std::vector<std::unique_ptr<grpc::Service>> extra_services;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  bool shut_down = false;
};

PeerServer::PeerServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PeerServer::~PeerServer() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<PeerServer>> PeerServer::Start(const config::OpenedNode& node,
                                                              const PeerServerOptions& options) {
  if (node.identity == nullptr) return absl::FailedPreconditionError("node identity not loaded");
  common::Clock* clock = options.clock ? options.clock : common::Clock::Real();
  ASSIGN_OR_RETURN(auto own_tls, tls::Load(node.paths.dir));
  auto impl = std::make_unique<Impl>();
  impl->roster = std::make_unique<RosterHolder>(node.paths, clock);
  if (auto r = impl->roster->Get(); !r.ok()) {
    absl::Status refused =
        absl::FailedPreconditionError(absl::StrCat("cannot serve peers: ", r.status().message()));
    if (auto problem = RosterProblemOf(r.status())) return WithRosterProblem(refused, *problem);
    return refused;
  }
  ASSIGN_OR_RETURN(auto nonces, NonceStore::Open(node.paths.nonces_db()));
  impl->nonces = std::move(nonces);
  RosterHolder* holder = impl->roster.get();
  impl->verifier = std::make_unique<RequestVerifier>(
      node.config.node_id, [holder] { return holder->Get(); }, impl->nonces.get(), clock,
      options.skew);
  impl->auth = std::make_unique<VerifierAuth>(impl->verifier.get());
  impl->service = std::make_unique<FederationService>(node, holder, *impl->auth, clock);

  grpc::ServerBuilder builder;
  const std::string listen = options.listen.empty() ? node.config.listen : options.listen;
  builder.AddListeningPort(
      listen,
      PinnedServerCredentials(own_tls, [holder](absl::string_view fp) { return holder->Pins(fp); }),
      &impl->port);
  builder.RegisterService(impl->service.get());
  for (const PeerServiceFactory& factory : options.services) {
    ASSIGN_OR_RETURN(auto service, factory(*impl->auth));
    builder.RegisterService(service.get());
    impl->extra_services.push_back(std::move(service));
  }
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             kMinPingIntervalMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  impl->server = builder.BuildAndStart();
  if (impl->server == nullptr || impl->port == 0) {
    return absl::UnavailableError(absl::StrCat(listen, ": cannot listen for peers"));
  }
  return std::unique_ptr<PeerServer>(new PeerServer(std::move(impl)));
}

void PeerServer::Shutdown(absl::Duration grace) {
  if (impl_ == nullptr || impl_->shut_down) return;
  impl_->shut_down = true;
  impl_->server->Shutdown(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(grace));
  impl_->server->Wait();
}

int PeerServer::port() const { return impl_->port; }

}  // namespace fedlink::federation
