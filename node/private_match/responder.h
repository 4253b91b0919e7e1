// The responder's side of the private match, as plain C++ (the gRPC service
// only decodes, authenticates and calls this):
//  - TableFor: the tag table a peer may see for a purpose: records and key
//    types filtered by the sharing policy (DIR/policy.txtpb; none = share
//    nothing), t and payload content from the matching rule;
//  - Evaluate: blind evaluation under the (purpose, epoch) OPRF key,
//    charged to the peer's daily budget from the same rule and refused
//    (ResourceExhausted) once it is spent, or if no rule allows the peer.
// OPRF keys are derived from DIR/oprf.seed (0600) per purpose and epoch
// (7 days); rotating the epoch makes every older table useless.
#ifndef FEDLINK_NODE_PRIVATE_MATCH_RESPONDER_H_
#define FEDLINK_NODE_PRIVATE_MATCH_RESPONDER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "node/audit/audit_log.h"
#include "node/common/clock.h"
#include "node/config/node_config.h"
#include "node/private_match/table_delta.h"
#include "node/private_match/tag_table.h"
#include "node/store/record_store.h"
#include "node/store/sqlite.h"
#include "policy/policy.h"

namespace fedlink::private_match {

struct PeerIdentity {
  std::string node_id;
  NodeRole role = NodeRole::kAgency;
};

// Thread-safe.
class Responder {
 public:
  static absl::StatusOr<std::unique_ptr<Responder>> Create(const NodePaths& paths,
                                                           const NodeConfig& config,
                                                           RecordStore* store, Clock* clock);

  absl::StatusOr<Table> TableFor(const PeerIdentity& peer, absl::string_view purpose);
  // The table, or if `held` (what the peer holds; may be null) is of the
  // current table id, only what changed since (table_delta.h).
  absl::StatusOr<TableUpdate> UpdateFor(const PeerIdentity& peer, absl::string_view purpose,
                                        const HeldTable* held);
  absl::StatusOr<std::vector<oprf::Element>> Evaluate(const PeerIdentity& peer,
                                                       absl::string_view purpose,
                                                       absl::Span<const oprf::Element> blinded,
                                                       uint64_t* budget_remaining,
                                                       std::string* table_id = nullptr);
  // The opaque handle peers see for a record, and back (owner only).
  std::string HandleFor(absl::string_view external_id) const;
  absl::StatusOr<std::string> Resolve(absl::string_view handle);
  // Every handle of this node and its external id (for `fedlink eval`).
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> AllHandles();
  int64_t Epoch() const;
  // Whether a rule of the current policy applies to `peer` for `purpose`
  // (for services that share no records, e.g. "audit").
  bool HasRule(const PeerIdentity& peer, absl::string_view purpose);
  // Logs policy reloads noticed on file change and the re-keyings they
  // cause in `log` (the server's access log; must outlive this).
  void set_audit(audit::AuditLog* log) { audit_ = log; }
  // Re-reads DIR/policy.txtpb now (SIGHUP). On a parse error the last good
  // policy stays in force and the error is returned.
  absl::Status ReloadPolicy();
  // Re-keying: the current key generation (DIR/oprf.generation, 0 if
  // absent), and a new one. After Rekey every table built before is
  // useless (its tags were made under the old key) and requesters refetch.
  absl::StatusOr<int64_t> Generation() const;
  static absl::Status Rekey(const NodePaths& paths);
  // A contact request from `peer` about `handle` for `purpose` is allowed
  // only if the policy shares that record with the peer for the purpose
  // now. Returns the record's external id; NotFound otherwise (the same
  // answer whether the handle is unknown or not shared, so a peer learns
  // nothing from it).
  absl::StatusOr<std::string> AuthorizeContact(const PeerIdentity& peer,
                                               absl::string_view purpose,
                                               absl::string_view handle);
  // The same for many handles in one pass over the records (a match notice
  // names hundreds): the external id for each handle the policy shares with
  // `peer` for `purpose`, "" for the others.
  absl::StatusOr<std::vector<std::string>> AuthorizeHandles(
      const PeerIdentity& peer, absl::string_view purpose,
      const std::vector<std::string>& handles);

 private:
  Responder() = default;
  absl::StatusOr<std::shared_ptr<const policy::Policy>> CurrentPolicy();
  // Parses the policy file (modification time `mtime`) and puts it in
  // force; on a parse error nothing changes and the error is returned. A
  // change of policy (logged as `reload_event` if not empty) re-keys; the
  // re-keying's outcome goes to `rekeyed`.
  absl::Status ApplyPolicy(int64_t mtime, absl::string_view reload_event,
                           absl::Status* rekeyed) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::unique_ptr<oprf::OprfKey>> KeyFor(absl::string_view purpose, int64_t epoch,
                                                        int64_t generation) const;
  absl::StatusOr<uint64_t> UsedToday(const std::string& peer, const std::string& purpose,
                                     int64_t day) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckBudget(const std::string& peer, const std::string& purpose, uint64_t n,
                           uint64_t budget);
  absl::Status Charge(const std::string& peer, const std::string& purpose, uint64_t n,
                      uint64_t budget, uint64_t* remaining);

  NodePaths paths_{""};
  NodeConfig config_;
  RecordStore* store_ = nullptr;
  Clock* clock_ = nullptr;
  std::string seed_;         // wiped on destruction
  std::string handle_key_;
  std::string slot_key_;  // wiped on destruction
  uint64_t SlotId(absl::string_view table_id, absl::string_view peer,
                  absl::string_view external_id) const;
  absl::Mutex mu_;
  std::shared_ptr<const policy::Policy> policy_ ABSL_GUARDED_BY(mu_);
  int64_t policy_mtime_ ABSL_GUARDED_BY(mu_) = -2;
  std::unique_ptr<sqlite::Database> budget_db_ ABSL_GUARDED_BY(mu_);
  // Consents that expire re-key, like a withdrawal (checked before every
  // table and evaluation; an index seek). Up to when it was checked, unix
  // seconds; persisted in budget.db when it re-keys.
  int64_t expiry_checked_until_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status RekeyIfConsentExpired();
  absl::Status SaveExpiryCheck() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  audit::AuditLog* audit_ = nullptr;
  void LogEvent(absl::string_view event, const absl::Status& outcome, std::string detail);

 public:
  ~Responder();
};

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_RESPONDER_H_
