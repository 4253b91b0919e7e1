#include "node/app/node.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/app/audit_restore.h"
#include "node/app/identity_rotation.h"
#include "node/app/tls_rotation.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/federation/signed_request.h"
#include "node/match/keyspec.h"
#include "policy/policy.h"

namespace fedlink::app {

Node::Node(std::unique_ptr<config::OpenedNode> opened) : opened_(std::move(opened)) {}
Node::~Node() = default;

absl::StatusOr<std::unique_ptr<Node>> Node::Open(const std::string& dir,
                                                 const OpenOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<config::OpenedNode> opened,
                   config::OpenNode(dir, {.load_identity = options.load_identity,
                                          .key_source = options.key_source,
                                          .rotate_data_key = options.rotate_data_key}));
  return std::unique_ptr<Node>(new Node(std::move(opened)));
}

absl::StatusOr<audit::AuditLog*> Node::AuditLog() {
  absl::MutexLock lock(&mu_);
  return AuditLogLocked();
}

absl::StatusOr<audit::AuditLog*> Node::AuditLogLocked() {
  if (audit_log_ == nullptr) {
    if (identity() == nullptr) {
      return absl::InternalError("audit log: the node's identity key is not loaded");
    }
    ASSIGN_OR_RETURN(next_identity_, LoadPendingIdentityKey(paths(), opened_->file_key()));
    ASSIGN_OR_RETURN(audit_log_,
                     audit::AuditLog::Open(paths().dir, identity(), nullptr, next_identity_.get()));
  }
  RETURN_IF_ERROR(FinishIdentitySwitch());  // (again, if it failed the last time)
  return audit_log_.get();
}

absl::Status Node::FinishIdentitySwitch() {
  if (next_identity_ == nullptr || switched_identity_.load() != nullptr ||
      audit_log_->signer() != next_identity_.get()) {
    return absl::OkStatus();
  }
  // The log's change is checkpointed (signed by both keys) before
  // identity.key names the new key: a log opened with the new key alone
  // must not still need the old one.
  RETURN_IF_ERROR(audit_log_->Checkpoint().status());
  RETURN_IF_ERROR(CommitPendingIdentityKey(paths(), opened_->file_key()));
  switched_identity_.store(next_identity_.get());
  return absl::OkStatus();
}

absl::StatusOr<bool> Node::SwitchIdentityKeyIfListed(const federation::Roster& roster) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(audit::AuditLog * log, AuditLogLocked());
  if (switched_identity_.load() != nullptr) return false;
  // The pending key as it is now (`rotate identity` may have written or
  // replaced it since the log was opened; the log does not hold it).
  if (log->signer() != next_identity_.get()) {
    ASSIGN_OR_RETURN(next_identity_, LoadPendingIdentityKey(paths(), opened_->file_key()));
  }
  if (next_identity_ == nullptr) return false;
  const federation::Member* self = roster.Find(id());
  if (self == nullptr || self->identity.public_key != next_identity_->public_key()) return false;
  RETURN_IF_ERROR(CheckNotRestored(paths()));
  RETURN_IF_ERROR(log->SwitchIdentity(next_identity_.get()).status());
  RETURN_IF_ERROR(FinishIdentitySwitch());
  return true;
}

absl::Status Node::Log(audit::Event event) {
  // A restored node appends nothing until its operator accepts the restore.
  RETURN_IF_ERROR(CheckNotRestored(paths()));
  ASSIGN_OR_RETURN(audit::AuditLog * log, AuditLog());
  if (event.requester.empty()) event.requester = id();
  return log->Append(event).status();
}

absl::StatusOr<followup::FollowupStore*> Node::Followups() {
  absl::MutexLock lock(&mu_);
  if (followups_ == nullptr) {
    ASSIGN_OR_RETURN(followups_,
                     followup::FollowupStore::Open(paths().followup_db(), opened_->file_key()));
  }
  return followups_.get();
}

absl::Status Node::LoadFederation() {
  const absl::Time now = absl::Now();
  const int64_t mtime = common::FileMTimeNanos(paths().roster());
  if (roster_ == nullptr || mtime != roster_mtime_ || roster_->expires_at() <= now) {
    ASSIGN_OR_RETURN(federation::Roster roster, federation::LoadInstalledRoster(paths(), now));
    roster_ = std::make_shared<const federation::Roster>(std::move(roster));
    roster_mtime_ = mtime;
  }
  if (tls_ == nullptr) {
    // A new TLS key waiting for this roster (`fedlink rotate tls`) is
    // switched to before it is loaded.
    RETURN_IF_ERROR(SwitchTlsKeyIfListed(paths(), opened_->file_key(), *roster_, id()).status());
    ASSIGN_OR_RETURN(tls::TlsIdentity tls, tls::Load(paths().dir, opened_->file_key()));
    tls_ = std::make_unique<tls::TlsIdentity>(std::move(tls));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const federation::Roster>> Node::Roster() {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(LoadFederation());
  return roster_;
}

absl::StatusOr<federation::Self> Node::Self(const Actor& actor) {
  if (identity() == nullptr) {
    return absl::InternalError("the node's identity key is not loaded");
  }
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(LoadFederation());
  federation::Self self;
  self.node_id = id();
  self.identity = identity();
  self.tls = *tls_;
  self.legal_basis = actor.legal_basis;
  self.official = actor.official;
  return self;
}

absl::StatusOr<std::vector<federation::Member>> Node::Peers(const std::string& peer, bool all) {
  if (all == !peer.empty()) {
    return absl::InvalidArgumentError("name exactly one peer, or all peers");
  }
  ASSIGN_OR_RETURN(const std::shared_ptr<const federation::Roster> roster, Roster());
  std::vector<federation::Member> out;
  for (const federation::Member& m : roster->members()) {
    if (m.node_id == id()) continue;
    if (all || m.node_id == peer) out.push_back(m);
  }
  if (!all && out.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("peer ", peer, ": not a member of the installed roster"));
  }
  return out;
}

absl::Status Node::CheckPurpose(const std::string& purpose) const {
  if (purpose.empty()) return absl::InvalidArgumentError("purpose is required");
  if (auto s = federation::ValidatePurpose(purpose); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("purpose: ", s.message()));
  }
  const std::string path = paths().policy();
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto policy, policy::Policy::Load(path, match::keyspec::KeyTypeNames()));
  if (!policy->IsDeclaredPurpose(purpose)) {
    return absl::InvalidArgumentError(
        absl::StrCat("purpose '", purpose, "' is not declared in ", path));
  }
  return absl::OkStatus();
}

}  // namespace fedlink::app
