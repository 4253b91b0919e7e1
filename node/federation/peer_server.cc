#include "node/federation/peer_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/federation.grpc.pb.h"
#include "node/common/node_paths.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/federation/call_watchdog.h"
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
  if (auth == nullptr) {
    return WithRefusalReason(absl::UnauthenticatedError("no TLS peer"), "no-tls-certificate");
  }
  auto pems = auth->FindPropertyValues("x509_pem_cert");
  if (pems.empty()) {
    return WithRefusalReason(absl::UnauthenticatedError("no TLS client certificate"),
                             "no-tls-certificate");
  }
  return tls::Fingerprint(absl::string_view(pems[0].data(), pems[0].size()));
}

// What the server answers its own liveness check.
constexpr char kSelfProbeAnswer[] = "liveness check";

class VerifierAuth final : public PeerAuth {
 public:
  VerifierAuth(const RequestVerifier* verifier, RosterHolder* roster)
      : verifier_(verifier), roster_(roster) {}
  absl::StatusOr<VerifiedRequest> Verify(const grpc::ServerContext& context,
                                         absl::string_view envelope,
                                         absl::string_view message_type) const override {
    ASSIGN_OR_RETURN(auto fp, PeerFingerprint(context));
    return verifier_->Verify(envelope, message_type, fp);
  }
  std::string TlsPeer(const grpc::ServerContext& context) const override {
    absl::StatusOr<std::string> fp = PeerFingerprint(context);
    if (!fp.ok()) return "";
    if (auto roster = roster_->Get(); roster.ok()) {
      for (const Member& m : (*roster)->members()) {
        if (m.tls_cert_sha256 == *fp) return m.node_id;
      }
    }
    return absl::StrCat("sha256:", *fp);
  }

 private:
  const RequestVerifier* verifier_;
  RosterHolder* roster_;
};

constexpr SignedMethod kPing = {
    .request = "fedlink.v1.PingRequest",
    .answer = "fedlink.v1.PingAnswer",
    .answered = "federation.ping.answered",  // not logged: the service has no log
    .refused = "federation.ping.refused",
    .max_envelope_bytes = kMaxHeaderOnlyEnvelope,
};

class FederationService final : public fedlink::v1::Federation::Service {
 public:
  FederationService(const config::OpenedNode& node, RosterHolder* roster, const PeerAuth& auth,
                    common::Clock* clock, std::string own_fingerprint)
      : node_(node),
        roster_(roster),
        clock_(clock),
        own_fingerprint_(std::move(own_fingerprint)),
        handler_(auth, node.identity.get(), nullptr) {}

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
    // The server's own liveness check (Impl::Answers: an empty envelope
    // over a connection with the node's own certificate) is answered
    // before the handler, so it is not counted or logged as a refusal
    // every probe_interval. An empty envelope from anyone else is refused
    // (and logged) like any other malformed request.
    if (request->envelope().empty()) {
      if (auto fp = PeerFingerprint(*context); fp.ok() && *fp == own_fingerprint_) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, kSelfProbeAnswer);
      }
    }
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
  const std::string own_fingerprint_;
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
  std::unique_ptr<CallWatchdog> watchdog;  // outlives the server
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<net::ConnectionGate> gate;
  std::string node_id;
  std::string backend;  // peer.sock
  tls::TlsIdentity own_tls;
  std::string own_fingerprint;
  int max_connections = 0;
  PeerLimits limits;
  std::function<void(const absl::Status&)> on_fatal;
  std::atomic<bool> fatal{false};
  bool shut_down = false;

  // The prober: checks that the server still accepts connections on
  // peer.sock (gRPC 1.51's accept loop stops for good after an EMFILE).
  absl::Mutex mu;
  bool stop_probing ABSL_GUARDED_BY(mu) = false;
  bool probe_now ABSL_GUARDED_BY(mu) = false;
  std::thread prober;

  void Fatal(const absl::Status& status) {
    if (!fatal.exchange(true)) on_fatal(status);
  }
  bool ShouldProbe() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return stop_probing || probe_now; }
  void ProbeSoon() {
    absl::MutexLock lock(&mu);
    probe_now = true;
  }
  // A fresh connection to peer.sock with the node's own certificate, and
  // one call that needs nothing of the roster: a Ping with an empty
  // envelope, refused INVALID_ARGUMENT before anything else is looked at.
  bool Answers() const {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a new connection, not a shared one
    args.SetSslTargetNameOverride(PinnedTargetName(node_id));
    auto stub = fedlink::v1::Federation::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("unix:", backend), PinnedChannelCredentials(own_tls, own_fingerprint), args));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    fedlink::v1::Signed empty, response;
    const grpc::Status s = stub->Ping(&context, empty, &response);
    // Any answer, even a refusal, shows the server accepted the connection.
    return s.error_code() != grpc::StatusCode::UNAVAILABLE &&
           s.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED;
  }
  void Probe() {
    constexpr int kFailuresToGiveUp = 3;
    int failures = 0;
    absl::MutexLock lock(&mu);
    for (;;) {
      const absl::Duration wait =
          failures > 0 ? std::min(limits.probe_interval, absl::Seconds(5)) : limits.probe_interval;
      mu.AwaitWithTimeout(absl::Condition(this, &Impl::ShouldProbe), wait);
      if (stop_probing) return;
      probe_now = false;
      mu.Unlock();
      const bool answers = Answers();
      mu.Lock();
      if (stop_probing) return;
      failures = answers ? 0 : failures + 1;
      if (failures >= kFailuresToGiveUp) {
        mu.Unlock();
        Fatal(absl::UnavailableError(
            absl::StrCat(backend, ": the peer server no longer accepts connections (",
                         kFailuresToGiveUp, " checks failed)")));
        mu.Lock();
        return;
      }
    }
  }
};

PeerServer::PeerServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PeerServer::~PeerServer() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<PeerServer>> PeerServer::Start(const config::OpenedNode& node,
                                                              const PeerServerOptions& options) {
  if (node.identity == nullptr) return absl::FailedPreconditionError("node identity not loaded");
  common::Clock* clock = options.clock ? options.clock : common::Clock::Real();
  ASSIGN_OR_RETURN(auto own_tls, tls::Load(node.paths.dir, node.file_key()));
  ASSIGN_OR_RETURN(std::string own_fingerprint, tls::Fingerprint(own_tls.cert_pem));
  auto impl = std::make_unique<Impl>();
  impl->node_id = node.config.node_id;
  impl->limits = options.limits;
  impl->on_fatal = options.on_fatal;
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
  impl->auth = std::make_unique<VerifierAuth>(impl->verifier.get(), holder);
  impl->service =
      std::make_unique<FederationService>(node, holder, *impl->auth, clock, own_fingerprint);
  const PeerLimits& limits = options.limits;
  impl->watchdog = std::make_unique<CallWatchdog>(limits.stream_idle, limits.max_stream_age);

  // gRPC listens on the node's private socket only; the gate below serves
  // the listen address. A socket left by a crashed server is replaced (the
  // caller holds the serve lock).
  impl->backend = node.paths.peer_socket();
  std::error_code ignored;
  std::filesystem::remove(impl->backend, ignored);
  grpc::ServerBuilder builder;
  // Members' certificates, and the node's own for its self-check (which
  // opens nothing: every call checks the roster again).
  builder.AddListeningPort(
      absl::StrCat("unix:", impl->backend),
      PinnedServerCredentials(own_tls, [holder, own = own_fingerprint](absl::string_view fp) {
        return fp == own || holder->Pins(fp);
      }));
  builder.RegisterService(impl->service.get());
  for (const PeerServiceFactory& factory : options.services) {
    ASSIGN_OR_RETURN(auto service, factory(*impl->auth));
    builder.RegisterService(service.get());
    impl->extra_services.push_back(std::move(service));
  }
  builder.SetMaxReceiveMessageSize(kMaxRequestBytes);
  builder.SetMaxSendMessageSize(kMaxAnswerBytes);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             kMinPingIntervalMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, limits.max_streams_per_connection);
  // gRPC's own handshake deadline backs up the gate's, a little later (the
  // gate closes quietly; gRPC logs an error).
  builder.AddChannelArgument(
      GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
      static_cast<int>(absl::ToInt64Milliseconds(limits.handshake_timeout + absl::Seconds(5))));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             static_cast<int>(absl::ToInt64Milliseconds(limits.connection_idle)));
  grpc::ResourceQuota quota("fedlink-peer-server");
  quota.Resize(static_cast<size_t>(limits.memory_bytes));
  quota.SetMaxThreads(limits.max_threads);
  builder.SetResourceQuota(quota);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> watch;
  watch.push_back(impl->watchdog->Interceptor());
  builder.experimental().SetInterceptorCreators(std::move(watch));
  impl->server = builder.BuildAndStart();
  if (impl->server == nullptr) {
    return absl::UnavailableError(
        absl::StrCat(impl->backend, ": cannot listen for peers on the node's socket"));
  }
  chmod(impl->backend.c_str(), 0600);

  net::GateOptions gate;
  gate.listen = options.listen.empty() ? node.config.listen : options.listen;
  gate.backend = impl->backend;
  impl->max_connections = net::ConnectionCapFor(limits.max_connections);
  gate.max_connections = impl->max_connections;
  gate.max_per_source = std::min(limits.max_per_source, impl->max_connections);
  gate.handshake_timeout = limits.handshake_timeout;
  gate.idle_timeout = limits.idle_timeout;
  Impl* raw = impl.get();
  gate.on_fatal = [raw](const absl::Status& s) { raw->Fatal(s); };
  gate.on_recovered = [raw] { raw->ProbeSoon(); };
  auto started = net::ConnectionGate::Start(std::move(gate));
  if (!started.ok()) {
    impl->server->Shutdown();
    impl->server->Wait();
    std::filesystem::remove(impl->backend, ignored);
    return started.status();
  }
  impl->gate = *std::move(started);
  impl->own_tls = std::move(own_tls);
  impl->own_fingerprint = std::move(own_fingerprint);
  impl->prober = std::thread([raw] { raw->Probe(); });
  return std::unique_ptr<PeerServer>(new PeerServer(std::move(impl)));
}

void PeerServer::Shutdown(absl::Duration grace) {
  if (impl_ == nullptr || impl_->shut_down) return;
  impl_->shut_down = true;
  {
    absl::MutexLock lock(&impl_->mu);
    impl_->stop_probing = true;
  }
  impl_->prober.join();
  // No new connection; those open are relayed while the server drains them.
  impl_->gate->StopAccepting();
  impl_->server->Shutdown(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(grace));
  impl_->server->Wait();
  impl_->gate->Stop();
  std::error_code ignored;
  std::filesystem::remove(impl_->backend, ignored);
}

int PeerServer::port() const { return impl_->gate->port(); }

int PeerServer::max_connections() const { return impl_->max_connections; }

net::GateStats PeerServer::gate_stats() const { return impl_->gate->stats(); }

}  // namespace fedlink::federation
