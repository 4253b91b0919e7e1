#include "node/app/serving.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "node/app/audit_restore.h"
#include "node/app/followup.h"
#include "node/app/node_health.h"
#include "node/app/own_keys.h"
#include "node/app/periodic_witnessing.h"
#include "node/app/serve_lock.h"
#include "node/audit/export_service.h"
#include "node/audit/witness.h"
#include "node/audit/witness_service.h"
#include "node/common/metrics.h"
#include "node/common/status_macros.h"
#include "node/federation/peer_server.h"
#include "node/followup/followup_service.h"
#include "node/net/connection_gate.h"
#include "node/private_match/match_service.h"
#include "node/private_match/responder.h"
#include "node/server/metrics_endpoint.h"
#include "node/server/node_server.h"

namespace fedlink::app {

namespace {

// Runs `run` every `interval` from a thread of its own until destroyed (a
// zero or negative interval never).
class Every {
 public:
  Every(absl::Duration interval, std::function<void()> run)
      : interval_(interval), run_(std::move(run)) {
    if (interval_ > absl::ZeroDuration()) thread_ = std::thread([this] { Loop(); });
  }
  ~Every() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }
  Every(const Every&) = delete;
  Every& operator=(const Every&) = delete;

 private:
  void Loop() {
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout(absl::Condition(&stop_), interval_)) return;
      }
      run_();
    }
  }

  const absl::Duration interval_;
  const std::function<void()> run_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace

// Declared in the order they start; destroyed in reverse, so the services go
// before what they use (and the roster checks before everything).
struct ServingNode::Parts {
  ServeOptions options;
  // options.on_fatal, called once for both servers.
  std::function<void(const absl::Status&)> on_fatal;
  std::unique_ptr<ServeLock> lock;
  std::unique_ptr<server::NodeServer> admin;
  absl::Mutex mu;  // guards the peer side, opened by the first usable roster
  std::unique_ptr<private_match::Responder> responder ABSL_GUARDED_BY(mu);
  std::unique_ptr<audit::Witness> witness ABSL_GUARDED_BY(mu);
  std::unique_ptr<federation::PeerServer> peers ABSL_GUARDED_BY(mu);
  std::unique_ptr<PeriodicWitnessing> witnessing ABSL_GUARDED_BY(mu);
  server::PeerService state ABSL_GUARDED_BY(mu);
  bool stopping ABSL_GUARDED_BY(mu) = false;
  // What the node found at its last checks, and the health they make.
  mutable absl::Mutex health_mu;
  absl::StatusOr<HealthInputs::RosterState> roster ABSL_GUARDED_BY(health_mu) =
      absl::NotFoundError("not checked yet");
  absl::Status audit_log ABSL_GUARDED_BY(health_mu);
  absl::Status store ABSL_GUARDED_BY(health_mu);
  server::NodeHealth health ABSL_GUARDED_BY(health_mu);
  std::unique_ptr<Every> roster_checks;
  std::unique_ptr<Every> health_checks;
  // The gauges read at scrape time, then the endpoint (stopped first).
  int metrics_collector = 0;
  std::unique_ptr<server::MetricsEndpoint> metrics;
};

namespace {

std::string Utc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// Auditor members may fetch the log where a policy rule for purpose "audit"
// applies to them.
federation::PeerServiceFactory AuditService(Node& node, audit::AuditLog* log,
                                            private_match::LivePolicy* policy_holder) {
  return audit::AuditServiceFactory(
      log, node.identity(), [policy_holder](const federation::Member& m) -> absl::Status {
        auto role = config::ParseNodeRole(m.role);
        if (!role.ok() || *role != config::NodeRole::kAuditor) {
          return absl::PermissionDeniedError("only auditor members may fetch the access log");
        }
        if (!policy_holder->HasRule({m.node_id, *role}, "audit")) {
          return absl::PermissionDeniedError(absl::StrCat(
              "no policy rule lets ", m.node_id, " fetch the access log (purpose 'audit')"));
        }
        return absl::OkStatus();
      });
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServingNode>> ServingNode::Start(Node& node,
                                                                const ServeOptions& options) {
  std::unique_ptr<ServingNode> serving(new ServingNode(node));
  serving->parts_ = std::make_unique<Parts>();
  Parts& parts = *serving->parts_;
  parts.options = options;
  if (auto restored = CheckNotRestored(node.paths()); !restored.ok()) {
    return absl::Status(restored.code(), absl::StrCat("refusing to serve: ", restored.message()));
  }
  ASSIGN_OR_RETURN(parts.lock, ServeLock::Acquire(node.paths().serve_lock()));
  // Every peer connection costs descriptors: take what the system allows.
  ASSIGN_OR_RETURN(serving->open_file_limit_, net::RaiseOpenFileLimit());
  // Both servers report to one place, once.
  auto fatal = std::make_shared<std::atomic<bool>>(false);
  parts.on_fatal = [fatal, report = options.on_fatal](const absl::Status& s) {
    if (!fatal->exchange(true)) report(s);
  };
  // The access log is verified before anything is served.
  auto log = node.AuditLog();
  if (!log.ok()) {
    return absl::Status(log.status().code(),
                        absl::StrCat("refusing to serve: ", log.status().message()));
  }
  (*log)->StartCheckpointing(absl::Seconds(1));
  RETURN_IF_ERROR(node.Log(LocalEvent("node.start")));

  server::ServerOptions admin_options;
  admin_options.paths = node.paths();
  admin_options.config = node.config();
  admin_options.store = &node.records();
  admin_options.on_fatal = parts.on_fatal;
  admin_options.peers = [raw = serving.get()] { return raw->peers(); };
  admin_options.health = [raw = serving.get()] { return raw->health(); };
  ASSIGN_OR_RETURN(parts.admin, server::NodeServer::Start(admin_options));
  if (node.Roster().ok()) {
    absl::MutexLock lock(&parts.mu);
    RETURN_IF_ERROR(serving->StartPeers());
  }
  serving->CheckRoster();
  serving->CheckHealth();
  if (!options.metrics_listen.empty()) {
    ASSIGN_OR_RETURN(parts.metrics, server::MetricsEndpoint::Start(options.metrics_listen));
    parts.metrics_collector = common::Metrics::Global().AddCollector(
        [raw = serving.get()](common::Metrics& m) { raw->CollectMetrics(m); });
  }
  parts.roster_checks =
      std::make_unique<Every>(options.roster_check_interval, [raw = serving.get()] {
        raw->CheckRoster();
        raw->parts_->options.on_heartbeat();
      });
  parts.health_checks = std::make_unique<Every>(options.health_check_interval,
                                                [raw = serving.get()] { raw->CheckHealth(); });
  return serving;
}

absl::Status ServingNode::StartPeers() {
  Parts& parts = *parts_;
  ASSIGN_OR_RETURN(audit::AuditLog * log, node_.AuditLog());
  ASSIGN_OR_RETURN(auto responder, OpenOwnResponder(node_.opened()));
  responder->set_audit(log);
  ASSIGN_OR_RETURN(followup::FollowupStore * followups, node_.Followups());
  ASSIGN_OR_RETURN(auto witness, audit::Witness::Open(node_.paths().dir, node_.identity()));
  federation::PeerServerOptions peer_options;
  peer_options.limits = parts.options.peer_limits;
  peer_options.limits.max_connections = node_.config().max_peer_connections;
  peer_options.limits.max_per_source = std::max(1, node_.config().max_peer_connections / 4);
  peer_options.on_fatal = parts.on_fatal;
  peer_options.services.push_back(
      private_match::MatchServiceFactory(responder.get(), node_.identity(), log));
  peer_options.services.push_back(
      followup::FollowupServiceFactory(responder.get(), followups, node_.identity(), nullptr, log));
  peer_options.services.push_back(
      audit::WitnessServiceFactory(witness.get(), node_.identity(), log));
  peer_options.services.push_back(AuditService(node_, log, &responder->policy()));
  ASSIGN_OR_RETURN(auto peers, federation::PeerServer::Start(node_.opened(), peer_options));
  parts.responder = std::move(responder);
  parts.witness = std::move(witness);
  parts.peers = std::move(peers);
  parts.witnessing = std::make_unique<PeriodicWitnessing>(node_, parts.options.witness_interval,
                                                          parts.options.on_problem);
  return absl::OkStatus();
}

server::PeerService ServingNode::CheckRoster() {
  Parts& parts = *parts_;
  absl::StatusOr<std::shared_ptr<const federation::Roster>> roster = node_.Roster();
  server::PeerService now;
  bool changed = true;
  {
    absl::MutexLock lock(&parts.mu);
    if (parts.stopping) return parts.state;
    absl::Status opened = absl::OkStatus();
    if (roster.ok() && parts.peers == nullptr) opened = StartPeers();
    if (!opened.ok()) {
      now = {"not served", "", std::string(opened.message())};
    } else if (roster.ok()) {
      now = {"serving", "",
             absl::StrCat("on ", node_.config().listen, " (roster version ", (*roster)->version(),
                          ", expires ", Utc((*roster)->expires_at()), ")")};
    } else {
      const std::optional<federation::RosterProblem> problem =
          federation::RosterProblemOf(roster.status());
      now = {parts.peers == nullptr ? "not served" : "refused",
             problem.has_value() ? std::string(federation::RosterProblemName(*problem)) : "",
             std::string(roster.status().message())};
    }
    if (now == parts.state) {
      changed = false;
    } else {
      parts.state = now;
    }
  }
  {
    absl::MutexLock lock(&parts.health_mu);
    if (roster.ok()) {
      parts.roster = HealthInputs::RosterState{(*roster)->version(), (*roster)->expires_at()};
    } else {
      parts.roster = roster.status();
    }
  }
  UpdateHealth();
  if (changed) parts.options.on_peers(now);
  return now;
}

server::NodeHealth ServingNode::CheckHealth() {
  Parts& parts = *parts_;
  bool verify_log = false;
  {
    absl::MutexLock lock(&parts.health_mu);
    verify_log = parts.audit_log.ok();  // a failure stays
  }
  absl::Status log_status = absl::OkStatus();
  if (verify_log) {
    // Through the log the node has open: a second connection to audit.db in
    // this process would not see its latest (WAL) state.
    absl::StatusOr<audit::AuditLog*> log = node_.AuditLog();
    absl::StatusOr<std::string> exported =
        log.ok() ? (*log)->Export() : absl::StatusOr<std::string>(log.status());
    if (!exported.ok()) {
      log_status = exported.status();
    } else {
      log_status = audit::VerifyExport(*exported, node_.identity()->VerifierKey()).status();
    }
  }
  const absl::Status store_status = node_.records().Count().status();
  {
    absl::MutexLock lock(&parts.health_mu);
    if (parts.audit_log.ok()) parts.audit_log = log_status;
    parts.store = store_status;
  }
  return UpdateHealth();
}

server::NodeHealth ServingNode::UpdateHealth() {
  Parts& parts = *parts_;
  server::NodeHealth now;
  {
    absl::MutexLock lock(&parts.health_mu);
    HealthInputs in;
    in.now = absl::Now();
    in.roster = parts.roster;
    in.audit_log = parts.audit_log;
    in.store = parts.store;
    now = AssessHealth(in);
    if (now == parts.health) return now;
    parts.health = now;
    if (parts.admin != nullptr) parts.admin->SetServing(now.serving);
  }
  parts.options.on_health(now);
  return now;
}

void ServingNode::CollectMetrics(common::Metrics& m) {
  const server::NodeHealth h = health();
  m.Set("fedlink_health_serving", {}, h.serving ? 1 : 0);
  m.Set("fedlink_health_warnings", {}, static_cast<double>(h.warnings.size()));
  m.Set("fedlink_peers_serving", {}, peers().state == "serving" ? 1 : 0);
  {
    absl::MutexLock lock(&parts_->health_mu);
    const auto& roster = parts_->roster;
    m.Set("fedlink_roster_version", {}, roster.ok() ? static_cast<double>(roster->version) : 0);
    m.Clear("fedlink_roster_expiry_seconds");
    if (roster.ok()) {
      m.Set("fedlink_roster_expiry_seconds", {},
            absl::ToDoubleSeconds(roster->expires_at - absl::Now()));
    }
  }
  // Contact requests waiting for this node's answer, and how long is left of
  // the oldest one's 48-hour window (counted from the requester's hit).
  m.Clear("fedlink_contact_oldest_window_seconds");
  if (absl::StatusOr<followup::FollowupStore*> followups = node_.Followups(); followups.ok()) {
    if (auto incoming = (*followups)->Incoming(); incoming.ok()) {
      int pending = 0;
      absl::Time oldest = absl::InfiniteFuture();
      for (const followup::Contact& c : *incoming) {
        if (c.status != followup::ContactStatus::kPending) continue;
        ++pending;
        oldest = std::min(oldest, c.hit_at);
      }
      m.Set("fedlink_contact_requests_pending", {}, pending);
      if (pending > 0) {
        m.Set("fedlink_contact_oldest_window_seconds", {},
              absl::ToDoubleSeconds(oldest + kPrumWindow - absl::Now()));
      }
    }
  }
  absl::StatusOr<audit::AuditLog*> log = node_.AuditLog();
  if (!log.ok()) return;
  m.Set("fedlink_audit_log_entries", {}, static_cast<double>((*log)->size()));
  m.Clear("fedlink_audit_last_cosigned_size");
  m.Clear("fedlink_audit_seconds_since_cosigned");
  absl::StatusOr<std::shared_ptr<const federation::Roster>> roster = node_.Roster();
  if (!roster.ok()) return;
  for (const federation::Member& member : (*roster)->members()) {
    if (member.node_id == node_.id()) continue;
    absl::StatusOr<audit::AuditLog::LastCosignature> last =
        (*log)->LastCosignatureOf(member.node_id);
    if (!last.ok() || last->size == 0) continue;
    m.Set("fedlink_audit_last_cosigned_size", {{"witness", member.node_id}},
          static_cast<double>(last->size));
    if (last->at != absl::InfinitePast()) {
      m.Set("fedlink_audit_seconds_since_cosigned", {{"witness", member.node_id}},
            absl::ToDoubleSeconds(absl::Now() - last->at));
    }
  }
}

int ServingNode::metrics_port() const {
  return parts_->metrics == nullptr ? 0 : parts_->metrics->port();
}

server::NodeHealth ServingNode::health() const {
  absl::MutexLock lock(&parts_->health_mu);
  return parts_->health;
}

ServingNode::ServingNode(Node& node) : node_(node) {}
ServingNode::~ServingNode() { Stop(); }

std::string ServingNode::admin_target() const {
  return parts_->admin == nullptr ? "" : parts_->admin->admin_target();
}

bool ServingNode::serves_peers() const {
  absl::MutexLock lock(&parts_->mu);
  return parts_->peers != nullptr;
}

server::PeerService ServingNode::peers() const {
  absl::MutexLock lock(&parts_->mu);
  return parts_->state;
}

int ServingNode::max_peer_connections() const {
  absl::MutexLock lock(&parts_->mu);
  return parts_->peers == nullptr ? 0 : parts_->peers->max_connections();
}

absl::Status ServingNode::ReloadPolicy() {
  private_match::Responder* responder = nullptr;
  {
    absl::MutexLock lock(&parts_->mu);
    responder = parts_->responder.get();  // kept until the parts go
  }
  if (responder == nullptr) return absl::OkStatus();
  const absl::Status reloaded = responder->policy().Reload();
  audit::Event entry = LocalEvent("policy.reload");
  entry.outcome = OutcomeOf(reloaded);
  RETURN_IF_ERROR(node_.Log(entry));
  return reloaded;
}

void ServingNode::Stop(absl::Duration grace) {
  if (stopped_ || parts_ == nullptr) return;
  stopped_ = true;
  if (parts_->metrics != nullptr) {
    parts_->metrics.reset();
    common::Metrics::Global().RemoveCollector(parts_->metrics_collector);
  }
  parts_->roster_checks.reset();
  parts_->health_checks.reset();
  std::unique_ptr<PeriodicWitnessing> witnessing;
  federation::PeerServer* peers = nullptr;
  {
    absl::MutexLock lock(&parts_->mu);
    parts_->stopping = true;  // no peer port opens from now on
    witnessing = std::move(parts_->witnessing);
    peers = parts_->peers.get();
  }
  witnessing.reset();
  if (peers != nullptr) peers->Shutdown(grace);
  // Not under the lock: an Admin.Status in flight asks for peers().
  if (parts_->admin != nullptr) {
    parts_->admin->Shutdown(grace);
    (void)node_.Log(LocalEvent("node.stop"));
  }
}

}  // namespace fedlink::app
