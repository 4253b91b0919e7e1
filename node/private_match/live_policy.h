// The sharing policy in force (DIR/policy.txtpb, docs/policy.md), kept
// current while the node serves:
//  - re-read whenever the file's modification time changes (checked at
//    every Current(), a stat), and on demand by Reload() (SIGHUP);
//  - a file that does not parse leaves the last good policy in force; a
//    node that never had a good one shares nothing, as does a node without
//    a policy file;
//  - a change of policy (a new modification time that parses) re-keys, via
//    the `rekey` hook, since the new policy may share less: every table
//    peers cached under the old one is void at once.
#ifndef FEDLINK_NODE_PRIVATE_MATCH_LIVE_POLICY_H_
#define FEDLINK_NODE_PRIVATE_MATCH_LIVE_POLICY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "node/common/node_paths.h"
#include "policy/policy.h"

namespace fedlink::audit {
class AuditLog;
}  // namespace fedlink::audit

namespace fedlink::private_match {

// Thread-safe. The policy returned by Current() is immutable and stays
// valid for as long as the caller holds it, whatever reloads happen after.
//
//   LivePolicy policy(paths, config.node_id, [paths] { return Keyring::Rekey(paths); });
//   ASSIGN_OR_RETURN(auto in_force, policy.Current());
//   const policy::Rule* rule = in_force->Find({"ngo", NodeRole::kNgo}, "victim-dedup");
//   if (!policy.HasRule({"auditor", NodeRole::kAuditor}, "audit")) ...
//   RETURN_IF_ERROR(policy.Reload());  // on SIGHUP
class LivePolicy {
 public:
  // Re-keys the node (Keyring::Rekey); called, under this object's lock,
  // after a changed policy was put in force.
  using RekeyFn = std::function<absl::Status()>;

  // Reads nothing yet: the file is first read at the first Current(),
  // HasRule() or Reload(). `node_id` names this node in audit events.
  LivePolicy(const common::NodePaths& paths, std::string node_id, RekeyFn rekey);
  LivePolicy(const LivePolicy&) = delete;
  LivePolicy& operator=(const LivePolicy&) = delete;

  // The policy in force, re-read first if the file's modification time
  // changed. A file that does not parse is not an error here (the last good
  // policy is returned); the only error is a failed re-keying after a
  // change, which is returned (the new policy is in force all the same).
  absl::StatusOr<std::shared_ptr<const policy::Policy>> Current();
  // Whether a rule of the policy in force applies to `peer` for `purpose`
  // (for services that share no records, e.g. "audit"). False on error.
  bool HasRule(const policy::PeerInfo& peer, absl::string_view purpose);
  // Re-reads the file now (SIGHUP). On a parse error the last good policy
  // stays in force and the error is returned; else the outcome of the
  // re-keying if the policy changed, OK if it did not.
  absl::Status Reload();

  // Logs policy reloads noticed on a file change ("policy.reload") and the
  // re-keyings they cause ("keys.rotate") in `log` (the server's access
  // log; must outlive this). Reload() logs only the re-keying: its caller
  // logs the reload it asked for.
  void set_audit(audit::AuditLog* log) { audit_ = log; }

 private:
  // Parses the file (modification time `mtime`, -1 if absent) and puts it
  // in force; on a parse error nothing changes and the error is returned. A
  // change of policy (logged as `reload_event` if not empty) re-keys; the
  // re-keying's outcome goes to `rekeyed`.
  absl::Status Apply(int64_t mtime, absl::string_view reload_event, absl::Status* rekeyed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void LogEvent(absl::string_view event, const absl::Status& outcome, std::string detail);

  const common::NodePaths paths_;
  const std::string node_id_;
  const RekeyFn rekey_;
  audit::AuditLog* audit_ = nullptr;
  absl::Mutex mu_;
  std::shared_ptr<const policy::Policy> policy_ ABSL_GUARDED_BY(mu_);
  int64_t mtime_ ABSL_GUARDED_BY(mu_) = -2;  // -2: never read; -1: no file
};

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_LIVE_POLICY_H_
