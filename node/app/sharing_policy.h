// The node's sharing policy as an operator (or a survivor, shown by an NGO)
// asks about it: is the file valid, and what does it share with one peer for
// one purpose: the rule that applies, what a matched record shows, which key
// types, and which records are shared or withheld and why.
//
//   ASSIGN_OR_RETURN(PolicyExplanation e,
//                    ExplainPolicy(node, {.peer = "ngo", .purpose =
//                    "victim-dedup"}));
//   if (!e.has_policy || !e.rule) { ... nothing is shared ... }
//
// Reasons name the field that decides, never a record's values.
#ifndef FEDLINK_NODE_APP_SHARING_POLICY_H_
#define FEDLINK_NODE_APP_SHARING_POLICY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "node/app/node.h"
#include "policy/policy.h"

namespace fedlink::app {

// Parses and validates a policy file (syntax, declared purposes, conflicts);
// errors carry the file and line.
absl::StatusOr<std::shared_ptr<const policy::Policy>> CheckPolicyFile(const std::string& path);

struct ExplainRequest {
  std::string peer;     // a roster member
  std::string purpose;  // declared in the policy
  std::string record;   // optional: explain this own record only
};

// One record's decision under the rule.
struct RecordVerdict {
  std::string external_id;
  bool shared = false;
  std::string reason;
  // If shared: its key types in the peer's table (the rule's key types the
  // record has), in keyspec order.
  std::vector<std::string> key_types;
};

struct PolicyExplanation {
  std::string peer;
  std::string organisation;  // from the roster
  std::string role;          // the peer's role as the roster names it
  std::string purpose;
  std::string policy_path;
  // False: the node has no policy file and shares nothing with anyone;
  // nothing below is set.
  bool has_policy = false;
  // The rule that applies; none: nothing is shared (deny by default). Its
  // payload is what a matched record shows; its key_types (empty: all
  // keyspec v1 key types) the keys used.
  std::optional<policy::Rule> rule;

  // With a rule, the decisions: `record` for request.record, else the counts
  // over every record. Not OK if the records could not be read, or
  // (InvalidArgument) there is no such record; the rule above still holds.
  absl::Status decisions_status;
  std::optional<RecordVerdict> record;
  uint64_t shared = 0;
  std::map<std::string, uint64_t> withheld;  // by reason
};

// InvalidArgument without a peer and purpose, for a peer not in the roster or
// a purpose the policy does not declare; NotFound-like errors from the
// roster when none is installed.
absl::StatusOr<PolicyExplanation> ExplainPolicy(Node& node, const ExplainRequest& request);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_SHARING_POLICY_H_
