#include "node/app/serving.h"

#include <algorithm>
#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/app/own_keys.h"
#include "node/app/periodic_witnessing.h"
#include "node/app/serve_lock.h"
#include "node/audit/export_service.h"
#include "node/audit/witness.h"
#include "node/audit/witness_service.h"
#include "node/common/status_macros.h"
#include "node/federation/peer_server.h"
#include "node/followup/followup_service.h"
#include "node/net/connection_gate.h"
#include "node/private_match/match_service.h"
#include "node/private_match/responder.h"
#include "node/server/node_server.h"

namespace fedlink::app {

// Declared in the order they start; destroyed in reverse, so the services go
// before what they use.
struct ServingNode::Parts {
  std::unique_ptr<ServeLock> lock;
  std::unique_ptr<server::NodeServer> admin;
  std::unique_ptr<private_match::Responder> responder;
  std::unique_ptr<audit::Witness> witness;
  std::unique_ptr<federation::PeerServer> peers;
  std::unique_ptr<PeriodicWitnessing> witnessing;
};

namespace {

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
  ASSIGN_OR_RETURN(parts.lock, ServeLock::Acquire(node.paths().serve_lock()));
  // Every peer connection costs descriptors: take what the system allows.
  ASSIGN_OR_RETURN(serving->open_file_limit_, net::RaiseOpenFileLimit());
  // Both servers report to one place, once.
  auto fatal = std::make_shared<std::atomic<bool>>(false);
  auto on_fatal = [fatal, report = options.on_fatal](const absl::Status& s) {
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
  admin_options.on_fatal = on_fatal;
  ASSIGN_OR_RETURN(parts.admin, server::NodeServer::Start(admin_options));
  if (!node.Roster().ok()) {
    return serving;
  }
  ASSIGN_OR_RETURN(parts.responder, OpenOwnResponder(node.opened()));
  parts.responder->set_audit(*log);
  ASSIGN_OR_RETURN(followup::FollowupStore * followups, node.Followups());
  federation::PeerServerOptions peer_options;
  peer_options.limits = options.peer_limits;
  peer_options.limits.max_connections = node.config().max_peer_connections;
  peer_options.limits.max_per_source = std::max(1, node.config().max_peer_connections / 4);
  peer_options.on_fatal = on_fatal;
  peer_options.services.push_back(
      private_match::MatchServiceFactory(parts.responder.get(), node.identity(), *log));
  peer_options.services.push_back(followup::FollowupServiceFactory(parts.responder.get(), followups,
                                                                   node.identity(), nullptr, *log));
  ASSIGN_OR_RETURN(parts.witness, audit::Witness::Open(node.paths().dir, node.identity()));
  peer_options.services.push_back(
      audit::WitnessServiceFactory(parts.witness.get(), node.identity(), *log));
  peer_options.services.push_back(AuditService(node, *log, &parts.responder->policy()));
  ASSIGN_OR_RETURN(parts.peers, federation::PeerServer::Start(node.opened(), peer_options));
  parts.witnessing =
      std::make_unique<PeriodicWitnessing>(node, options.witness_interval, options.on_problem);
  return serving;
}

ServingNode::ServingNode(Node& node) : node_(node) {}
ServingNode::~ServingNode() { Stop(); }

std::string ServingNode::admin_target() const {
  return parts_->admin == nullptr ? "" : parts_->admin->admin_target();
}

bool ServingNode::serves_peers() const { return parts_->peers != nullptr; }

int ServingNode::max_peer_connections() const {
  return parts_->peers == nullptr ? 0 : parts_->peers->max_connections();
}

absl::Status ServingNode::ReloadPolicy() {
  if (parts_->responder == nullptr) return absl::OkStatus();
  const absl::Status reloaded = parts_->responder->policy().Reload();
  audit::Event entry = LocalEvent("policy.reload");
  entry.outcome = OutcomeOf(reloaded);
  RETURN_IF_ERROR(node_.Log(entry));
  return reloaded;
}

void ServingNode::Stop(absl::Duration grace) {
  if (stopped_ || parts_ == nullptr) return;
  stopped_ = true;
  parts_->witnessing.reset();
  if (parts_->peers != nullptr) parts_->peers->Shutdown(grace);
  if (parts_->admin != nullptr) {
    parts_->admin->Shutdown(grace);
    (void)node_.Log(LocalEvent("node.stop"));
  }
}

}  // namespace fedlink::app
