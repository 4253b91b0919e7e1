#include "node/private_match/live_policy.h"

#include <utility>

#include "node/audit/audit_log.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/match/keyspec.h"

namespace fedlink::private_match {

LivePolicy::LivePolicy(const common::NodePaths& paths, std::string node_id, RekeyFn rekey)
    : paths_(paths), node_id_(std::move(node_id)), rekey_(std::move(rekey)) {}

absl::Status LivePolicy::Apply(int64_t mtime, absl::string_view reload_event,
                               absl::Status* rekeyed) {
  *rekeyed = absl::OkStatus();
  if (mtime < 0) {
    policy_ = policy::Policy::DenyAll();  // no policy: share nothing
    mtime_ = mtime;
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(auto loaded,
                   policy::Policy::Load(paths_.policy(), match::keyspec::KeyTypeNames()));
  const bool changed = policy_ != nullptr && mtime != mtime_;
  policy_ = std::move(loaded);
  mtime_ = mtime;
  if (!changed) return absl::OkStatus();
  if (!reload_event.empty()) LogEvent("policy.reload", absl::OkStatus(), std::string(reload_event));
  // A changed policy may share less: re-key so every table peers cached
  // under the old one is void at once.
  *rekeyed = rekey_();
  LogEvent("keys.rotate", *rekeyed, "policy changed: every cached table is void");
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const policy::Policy>> LivePolicy::Current() {
  const int64_t mtime = common::FileMTimeNanos(paths_.policy());
  absl::MutexLock lock(&mu_);
  if (policy_ != nullptr && mtime == mtime_) return policy_;
  absl::Status rekeyed;
  if (!Apply(mtime, "file changed", &rekeyed).ok()) {
    // Keep serving the last good policy; a node that never had one shares
    // nothing.
    if (policy_ == nullptr) policy_ = policy::Policy::DenyAll();
    return policy_;
  }
  RETURN_IF_ERROR(rekeyed);
  return policy_;
}

bool LivePolicy::HasRule(const policy::PeerInfo& peer, absl::string_view purpose) {
  auto policy = Current();
  return policy.ok() && (*policy)->Find(peer, purpose) != nullptr;
}

absl::Status LivePolicy::Reload() {
  const int64_t mtime = common::FileMTimeNanos(paths_.policy());
  absl::MutexLock lock(&mu_);
  absl::Status rekeyed;
  RETURN_IF_ERROR(Apply(mtime, "", &rekeyed));
  return rekeyed;
}

void LivePolicy::LogEvent(absl::string_view event, const absl::Status& outcome,
                          std::string detail) {
  if (audit_ == nullptr) return;
  audit::Event e;
  e.event = std::string(event);
  e.requester = node_id_;
  e.outcome = audit::OutcomeOf(outcome);
  e.detail = std::move(detail);
  (void)audit_->Append(e);
}

}  // namespace fedlink::private_match
