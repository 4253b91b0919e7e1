// fedlink serve: run the node until SIGINT or SIGTERM, then stop gracefully.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <iostream>
#include <thread>

#include "node/common/node_paths.h"
#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "node/cli/command.h"
#include "node/cli/command_audit.h"
#include "node/cli/flags.h"
#include "node/config/node_dir.h"
#include "node/federation/peer_server.h"
#include "node/federation/roster.h"
#include "node/audit/export_service.h"
#include "node/audit/witness_round.h"
#include "node/audit/witness_service.h"
#include "node/followup/followup_service.h"
#include "node/private_match/match_service.h"
#include "node/private_match/responder.h"
#include "node/server/node_server.h"

ABSL_FLAG(absl::Duration, witness_interval, absl::Minutes(5),
          "How often to have peers witness (cosign) this node's log checkpoint; 0 = never.");

namespace fedlink::cli {
namespace {

// Has peers witness the node's log every `interval` until destroyed.
class PeriodicWitnessing {
 public:
  PeriodicWitnessing(const OpenedNode& node, audit::AuditLog* log, absl::Duration interval)
      : node_(node), log_(log), interval_(interval) {
    if (interval_ > absl::ZeroDuration()) thread_ = std::thread([this] { Run(); });
  }
  ~PeriodicWitnessing() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout(absl::Condition(&stop_), interval_)) return;
      }
      auto roster = federation::LoadInstalledRoster(node_.paths, absl::Now());
      auto tls = tls::Load(node_.paths.dir);
      if (!roster.ok() || !tls.ok()) continue;
      federation::Self self;
      self.node_id = node_.config.node_id;
      self.identity = node_.identity.get();
      self.tls = *tls;
      std::vector<federation::Member> peers;
      for (const auto& m : roster->members()) {
        if (m.node_id != self.node_id) peers.push_back(m);
      }
      auto results = audit::WitnessRound(self, peers, *log_);
      if (!results.ok()) {
        std::cerr << "fedlink serve: witnessing: " << results.status().message() << "\n";
        continue;
      }
      for (const auto& r : *results) {
        if (!r.status.ok()) {
          std::cerr << "fedlink serve: witnessing: " << r.peer << " did not cosign: "
                    << r.status.message() << "\n";
        }
      }
    }
  }

  const OpenedNode& node_;
  audit::AuditLog* log_;
  const absl::Duration interval_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// Holds an exclusive lock on DIR/serve.lock so two servers never share a
// node directory (and a stale admin socket can be removed safely).
class ServeLock {
 public:
  static absl::StatusOr<std::unique_ptr<ServeLock>> Acquire(
      const std::string& path) {
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
      return absl::PermissionDeniedError(
          absl::StrCat(path, ": cannot open lock"));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      close(fd);
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": another `fedlink serve` is running on this node directory"));
    }
    return std::unique_ptr<ServeLock>(new ServeLock(fd));
  }
  ~ServeLock() { close(fd_); }

 private:
  explicit ServeLock(int fd) : fd_(fd) {}
  int fd_;
};

int RunServe(const std::vector<std::string>& args) {
  // Block the stop signals before any thread starts, so only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto node = OpenNode(absl::GetFlag(FLAGS_dir), {.load_identity = true});
  if (!node.ok()) return ReportError("serve", node.status());
  auto lock = ServeLock::Acquire((*node)->paths.serve_lock());
  if (!lock.ok()) return ReportError("serve", lock.status());
  // The access log is verified before anything is served: a log whose
  // entries no longer match its signed checkpoints stops the node.
  auto log = OpenCommandAudit(**node);
  if (!log.ok()) {
    return ReportError("serve", absl::Status(log.status().code(),
                                             absl::StrCat("refusing to serve: ",
                                                          log.status().message())));
  }
  (*log)->StartCheckpointing(absl::Seconds(1));
  audit::Event started;
  started.event = "node.start";
  started.requester = (*node)->config.node_id;
  if (auto s = (*log)->Append(started); !s.ok()) return ReportError("serve", s.status());

  ServerOptions options;
  options.paths = (*node)->paths;
  options.config = (*node)->config;
  options.store = (*node)->store.get();
  auto server = NodeServer::Start(options);
  if (!server.ok()) return ReportError("serve", server.status());
  std::cerr << "fedlink serve: node " << (*node)->config.node_id
            << " serving admin on " << (*server)->admin_target() << " (pid "
            << getpid() << ")\n";
  // Peers are served only with an installed roster: without one there is
  // nobody to trust.
  // Declared before the server that uses them, so they outlive it.
  std::unique_ptr<private_match::Responder> responder;
  std::unique_ptr<followup::FollowupStore> followups;
  std::unique_ptr<audit::Witness> witness;
  std::unique_ptr<federation::PeerServer> peers;
  std::unique_ptr<PeriodicWitnessing> witnessing;  // stopped before the server
  if (federation::LoadInstalledRoster((*node)->paths, absl::Now()).ok()) {
    auto created = private_match::Responder::Create(
        (*node)->paths, (*node)->config, (*node)->store.get(), nullptr);
    if (!created.ok()) return ReportError("serve", created.status());
    responder = *std::move(created);
    responder->set_audit(log->get());
    auto opened_followups =
        followup::FollowupStore::Open((*node)->paths.followup_db());
    if (!opened_followups.ok()) return ReportError("serve", opened_followups.status());
    followups = *std::move(opened_followups);
    federation::PeerServerOptions peer_options;
    peer_options.services.push_back(private_match::MatchServiceFactory(
        responder.get(), (*node)->identity.get(), log->get()));
    peer_options.services.push_back(followup::FollowupServiceFactory(
        responder.get(), followups.get(), (*node)->identity.get(), nullptr, log->get()));
    auto opened_witness = audit::Witness::Open((*node)->paths.dir, (*node)->identity.get());
    if (!opened_witness.ok()) return ReportError("serve", opened_witness.status());
    witness = *std::move(opened_witness);
    peer_options.services.push_back(
        audit::WitnessServiceFactory(witness.get(), (*node)->identity.get(), log->get()));
    // Auditor members may fetch the log where a policy rule for purpose
    // "audit" applies to them.
    private_match::LivePolicy* policy_holder = &responder->policy();
    peer_options.services.push_back(audit::AuditServiceFactory(
        log->get(), (*node)->identity.get(),
        [policy_holder](const federation::Member& m) -> absl::Status {
          auto role = ParseNodeRole(m.role);
          if (!role.ok() || *role != NodeRole::kAuditor) {
            return absl::PermissionDeniedError("only auditor members may fetch the access log");
          }
          if (!policy_holder->HasRule({m.node_id, *role}, "audit")) {
            return absl::PermissionDeniedError(absl::StrCat(
                "no policy rule lets ", m.node_id, " fetch the access log (purpose 'audit')"));
          }
          return absl::OkStatus();
        }));
    auto started = federation::PeerServer::Start(**node, peer_options);
    if (!started.ok()) return ReportError("serve", started.status());
    peers = *std::move(started);
    std::cerr << "fedlink serve: serving peers on " << (*node)->config.listen
              << " (mutual TLS, roster-pinned)\n";
    witnessing = std::make_unique<PeriodicWitnessing>(**node, log->get(),
                                                      absl::GetFlag(FLAGS_witness_interval));
  } else {
    std::cerr << "fedlink serve: no roster installed: not serving peers (see "
                 "`fedlink roster "
                 "install`)\n";
  }

  int signal_number = 0;
  for (;;) {
    sigwait(&stop_signals, &signal_number);
    if (signal_number != SIGHUP) break;
    // SIGHUP: re-read the sharing policy now (it is also re-read whenever
    // the file changes). A bad file leaves the last good policy in force.
    if (responder == nullptr) continue;
    const absl::Status reloaded = responder->policy().Reload();
    audit::Event entry;
    entry.event = "policy.reload";
    entry.requester = (*node)->config.node_id;
    entry.outcome = OutcomeOf(reloaded);
    (void)(*log)->Append(entry);
    if (const absl::Status& s = reloaded; s.ok()) {
      std::cerr << "fedlink serve: SIGHUP: policy reloaded\n";
    } else {
      std::cerr << "fedlink serve: SIGHUP: policy NOT reloaded, keeping the last good one: "
                << s.message() << "\n";
    }
  }
  std::cerr << "fedlink serve: "
            << (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
            << " received, stopping\n";
  witnessing.reset();
  if (peers) peers->Shutdown(absl::Seconds(5));
  (*server)->Shutdown(absl::Seconds(5));
  audit::Event stopped;
  stopped.event = "node.stop";
  stopped.requester = (*node)->config.node_id;
  (void)(*log)->Append(stopped);
  std::cerr << "fedlink serve: stopped\n";
  return kExitOk;
}

FEDLINK_COMMAND("serve",
                "  fedlink serve --dir DIR [--witness-interval 5m]\n\n"
                "Every --witness-interval the node asks its peers to witness (cosign)\n"
                "its access-log checkpoint (0 = never; `fedlink audit witness` does\n"
                "it on demand).\n"
                "SIGHUP re-reads DIR/policy.txtpb (it is also re-read when it changes);\n"
                "a policy that does not parse is not applied.",
                "run the node until SIGINT/SIGTERM, then stop gracefully",
                {"dir", "witness_interval"}, RunServe);

}  // namespace
}  // namespace fedlink::cli
