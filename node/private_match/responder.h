// The responder's side of the private match, as plain C++ (the gRPC services
// only decode, authenticate and call this):
//  - TableFor / UpdateFor: the tag table a peer may see for a purpose (or
//    what changed since the one it holds): records and key types filtered
//    by the sharing policy in force, t and payload content from the
//    matching rule, tags under the (purpose, epoch, generation) OPRF key;
//  - Evaluate: blind evaluation, each element under the key of the key type
//    the requester declares for it, charged to the peer's daily budgets
//    from the same rule (evaluations in any 24 hours: in all, and of any
//    one key type) and refused (ResourceExhausted) once one is spent, or
//    (PermissionDenied) if no rule allows the peer;
//  - AuthorizeContact / AuthorizeHandles: which handles a peer may ask
//    about (handles issued to it, of records the policy shares with it
//    now).
// Before every table and evaluation it checks whether a consent expired
// since the last check, and if so re-keys, like a withdrawal.
//
// It is composed of parts that each own one job and one file of the node
// directory: LivePolicy (policy.txtpb), Keyring (oprf.seed,
// oprf.generation), EvaluationBudget (budget.db) and ConsentExpiryWatermark
// (consent_expiry.checked).
#ifndef FEDLINK_NODE_PRIVATE_MATCH_RESPONDER_H_
#define FEDLINK_NODE_PRIVATE_MATCH_RESPONDER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "node/audit/audit_log.h"
#include "node/common/clock.h"
#include "node/config/node_config.h"
#include "node/match/keyspec.h"
#include "node/private_match/consent_expiry_watermark.h"
#include "node/private_match/evaluation_budget.h"
#include "node/private_match/keyring.h"
#include "node/private_match/live_policy.h"
#include "node/private_match/table_delta.h"
#include "node/private_match/tag_cache.h"
#include "node/private_match/tag_table.h"
#include "node/store/record_store.h"

namespace fedlink::private_match {

struct PeerIdentity {
  std::string node_id;
  config::NodeRole role = config::NodeRole::kAgency;
};

// Thread-safe.
//
//   ASSIGN_OR_RETURN(auto responder, Responder::Create(paths, config, store, nullptr));
//   responder->set_audit(log);
//   ASSIGN_OR_RETURN(Table table, responder->TableFor({"ngo", NodeRole::kNgo}, "victim-dedup"));
//   uint64_t left = 0;
//   ASSIGN_OR_RETURN(auto evaluated, responder->Evaluate(peer, purpose, blinded, types, &left));
class Responder {
 public:
  struct Parts {
    std::unique_ptr<LivePolicy> policy;
    std::unique_ptr<Keyring> keyring;
    std::unique_ptr<EvaluationBudget> budget;
    std::unique_ptr<ConsentExpiryWatermark> expiry;
  };
  // Opens every part from the node directory `paths` (creating oprf.seed,
  // budget.db and consent_expiry.checked on first use). A policy change
  // re-keys through the keyring. `store` and `clock` (Clock::Real() if
  // null) must outlive the responder. `seed_key`: the node's file key
  // (config::OpenedNode::file_key), null for a plaintext node.
  static absl::StatusOr<std::unique_ptr<Responder>> Create(
      const common::NodePaths& paths, const config::NodeConfig& config, store::RecordStore* store,
      common::Clock* clock, const crypto::SealingKey* seed_key = nullptr);
  // Composes parts opened by the caller (none may be null).
  Responder(const config::NodeConfig& config, store::RecordStore* store, common::Clock* clock,
            Parts parts);
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  absl::StatusOr<Table> TableFor(const PeerIdentity& peer, absl::string_view purpose);
  // The table, or if `held` (what the peer holds; may be null) is of the
  // current table id, only what changed since (table_delta.h).
  absl::StatusOr<TableUpdate> UpdateFor(const PeerIdentity& peer, absl::string_view purpose,
                                        const HeldTable* held);
  // Evaluates `blinded[i]` under the key of `key_types[i]` (the same
  // size). `budget_remaining` gets what is left of the total budget;
  // `table_id`, if not null, the id of the table the keys belong to.
  absl::StatusOr<std::vector<crypto::oprf::Element>> Evaluate(
      const PeerIdentity& peer, absl::string_view purpose,
      absl::Span<const crypto::oprf::Element> blinded,
      absl::Span<const match::keyspec::KeyType> key_types, uint64_t* budget_remaining,
      std::string* table_id = nullptr);
  // Whether a request from `peer` for `purpose` names the authority the
  // policy rule that applies requires (require_legal_basis: a legal basis
  // and an official, from the request's signed header). PermissionDenied
  // naming the rule and what is missing; OK if no rule applies (the request
  // is then denied on its own terms).
  absl::Status CheckAuthority(const PeerIdentity& peer, absl::string_view purpose,
                              absl::string_view legal_basis, absl::string_view official);
  // A contact request from `peer` about `handle` for `purpose` is allowed
  // only if the handle was issued to that peer (under a key generation of
  // the last kHandleLifetime) and the policy shares that record with the
  // peer for the purpose now. Returns the record's external id; NotFound
  // otherwise (the same answer whether the handle is unknown, another
  // peer's, or not shared, so a peer learns nothing from it).
  absl::StatusOr<std::string> AuthorizeContact(const PeerIdentity& peer, absl::string_view purpose,
                                               absl::string_view handle);
  // The same for many handles in one pass over the records (a match notice
  // names hundreds): the external id for each handle issued to `peer` that
  // the policy shares with it for `purpose`, "" for the others.
  absl::StatusOr<std::vector<std::string>> AuthorizeHandles(
      const PeerIdentity& peer, absl::string_view purpose, const std::vector<std::string>& handles);

  // The opaque handle `requester` sees for a record in tables made now,
  // and back (owner only; a handle of any live key generation); see Keyring.
  absl::StatusOr<std::string> HandleFor(absl::string_view requester,
                                        absl::string_view external_id) const;
  absl::StatusOr<std::string> Resolve(absl::string_view requester, absl::string_view handle);
  // The current epoch (NodeConfig::epoch_days).
  int64_t Epoch() const;

  // Logs policy reloads noticed on file change, and the re-keyings they or
  // an expired consent cause, in `log` (the server's access log; must
  // outlive this).
  void set_audit(audit::AuditLog* log);

  // The parts, for what the node needs of them besides the match: the
  // policy for other services' rules and SIGHUP, the keyring for handles.
  LivePolicy& policy() { return *policy_; }
  Keyring& keyring() { return *keyring_; }
  // For the bucket server (bucket_server.h): the budget it charges, the
  // node's id and clock.
  EvaluationBudget& budget() { return *budget_; }
  const std::string& node_id() const { return config_.node_id; }
  common::Clock* clock() const { return clock_; }

  // Re-keys if a consent expired since the last check (every table and
  // evaluation checks first; the bucket server too).
  absl::Status RekeyIfConsentExpired();

  // OPRF evaluations made for tables since the responder was created (also
  // the metric fedlink_table_evaluations_total). Each key of a record is
  // evaluated once per table id: a second peer's table of an unchanged
  // store costs none, a delta only the changed records' keys (TagCache).
  uint64_t table_evaluations() const { return table_evaluations_.load(); }

 private:
  void LogEvent(absl::string_view event, const absl::Status& outcome, std::string detail);

  const config::NodeConfig config_;
  store::RecordStore* const store_;
  common::Clock* const clock_;
  const std::unique_ptr<LivePolicy> policy_;
  const std::unique_ptr<Keyring> keyring_;
  const std::unique_ptr<EvaluationBudget> budget_;
  audit::AuditLog* audit_ = nullptr;
  TagCache tag_cache_;
  std::atomic<uint64_t> table_evaluations_{0};
  absl::Mutex expiry_mu_;
  const std::unique_ptr<ConsentExpiryWatermark> expiry_ ABSL_GUARDED_BY(expiry_mu_);
};

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_RESPONDER_H_
