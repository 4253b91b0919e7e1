// Sharing policy: which of a node's records a peer may match against, for
// which declared purpose, with which keys, threshold t, payload and budget.
//
// Deny by default: Find() returns nullptr unless a rule applies, and a rule
// shares a record only if its role, labels and consent all pass. Rules are
// matched most-specific first (node id, then group, then role, then any);
// two rules that could apply to the same peer and purpose at the same
// specificity are a conflict, refused at load time.
//
// Thread-safety: a Policy is immutable after Parse; share it freely (a
// reload builds a new one and swaps a shared_ptr).
//
//   ASSIGN_OR_RETURN(auto policy, Policy::Load(paths.policy(), KnownKeyTypes()));
//   const Rule* rule = policy->Find({"ngo-1", NodeRole::kNgo}, "victim-dedup");
//   if (rule != nullptr && policy->Decide(*rule, person, now).shared) { ... }
#ifndef FEDLINK_POLICY_POLICY_H_
#define FEDLINK_POLICY_POLICY_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "node/config/node_config.h"
#include "node/record/person.h"

namespace fedlink::policy {

// A rule without daily_key_type_budget lets one key type have this share
// of daily_evaluate_budget (rounded up): a record has about 12 keys of 10
// or more types, so an honest batch spends well under a quarter on any one.
inline constexpr uint64_t kDefaultKeyTypeBudgetShare = 4;
// The smallest bucket_lookup.min_bucket_records a rule may set: a bucket of
// fewer records hides a looked-up tag among too few.
inline constexpr uint32_t kMinBucketRecordsFloor = 10;

enum class Payload { kHandleOnly = 1, kHandleAndRole = 2, kHandleRoleAndOfficer = 3 };
absl::string_view PayloadName(Payload payload);

enum class Specificity { kAny = 0, kRole = 1, kGroup = 2, kNode = 3 };

struct PeerInfo {
  std::string node_id;
  config::NodeRole role = config::NodeRole::kAgency;
};

struct Rule {
  std::string name;
  int line = 0;  // where the rule starts in the policy file
  Specificity specificity = Specificity::kAny;
  std::string selector;  // node id, group name, or role name; empty for any
  std::string purpose;
  std::set<record::Role> record_roles;
  std::set<std::string> allowed_labels;
  bool consent_required = false;
  std::vector<std::string> accepted_scopes;  // defaults to {purpose}
  std::vector<std::string> key_types;        // empty = all
  int min_agreeing_keys = 0;
  double score_threshold = 0;
  Payload payload = Payload::kHandleOnly;
  uint64_t daily_evaluate_budget = 0;
  // Evaluations of any one key type in any 24 hours (the file's
  // daily_key_type_budget, or its default: a quarter of
  // daily_evaluate_budget). It bounds the enumeration of one key type's
  // values (every phone number of a range), which a batch of one key type
  // only would otherwise spend the whole budget on.
  uint64_t daily_key_type_budget = 0;
  bool notify_owner = false;
  // Requests under this rule must name a legal basis and an official.
  bool require_legal_basis = false;
  // bucket_lookup.min_bucket_records: 0 = bucket lookups refused.
  uint32_t min_bucket_records = 0;

  bool AllowsKeyType(absl::string_view key_type) const;
};

// Why a record is or is not shared under a rule (for `policy explain`).
struct RecordDecision {
  bool shared = false;
  std::string reason;  // names the field, never the record's values
};

class Policy {
 public:
  // Parses policy text. `file` names the source in errors, which carry line
  // numbers ("policy.txtpb:12: rule 'x': purpose 'y' is not declared").
  // `known_key_types` lists valid key type names (empty: not checked).
  static absl::StatusOr<std::shared_ptr<const Policy>> Parse(
      absl::string_view text, absl::string_view file,
      const std::vector<std::string>& known_key_types);
  static absl::StatusOr<std::shared_ptr<const Policy>> Load(
      const std::string& path, const std::vector<std::string>& known_key_types);
  // A policy that shares nothing (a node without a policy file).
  static std::shared_ptr<const Policy> DenyAll();

  // The rule that applies to `peer` for `purpose`, or nullptr (deny).
  const Rule* Find(const PeerInfo& peer, absl::string_view purpose) const;

  // Whether `record` may be shared under `rule` at time `now`.
  RecordDecision Decide(const Rule& rule, const record::Person& record, absl::Time now) const;

  const std::vector<std::string>& purposes() const { return purposes_; }
  bool IsDeclaredPurpose(absl::string_view purpose) const;
  const std::vector<Rule>& rules() const { return rules_; }
  // Outgoing contact requests wait for a supervisor's approval.
  bool contact_requests_need_approval() const { return contact_requests_need_approval_; }

 private:
  Policy() = default;
  std::vector<std::string> purposes_;
  std::vector<std::pair<std::string, std::set<std::string>>> groups_;
  std::vector<Rule> rules_;
  bool contact_requests_need_approval_ = false;
  bool InGroup(absl::string_view group, absl::string_view node_id) const;
};

// Whether a request under `rule` names what the rule requires of its
// authority: with require_legal_basis, a legal basis and an official.
// PermissionDenied naming the rule and what is missing (never a value).
absl::Status CheckAuthority(const Rule& rule, absl::string_view legal_basis,
                            absl::string_view official);

// Consent for the node's own use of a record for `purpose` (outbound
// queries, contact requests): true only if the record's consent lists the
// purpose and has not expired.
bool ConsentCovers(const record::Person& record, absl::string_view purpose, absl::Time now);

}  // namespace fedlink::policy

#endif  // FEDLINK_POLICY_POLICY_H_
