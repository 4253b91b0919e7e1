#include "node/app/sharing_policy.h"

#include <sys/stat.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/app/key_options.h"
#include "node/app/records.h"
#include "node/common/status_macros.h"
#include "node/federation/roster.h"
#include "node/match/keyspec.h"

namespace fedlink::app {
namespace {

RecordVerdict Verdict(const policy::Policy& policy, const policy::Rule& rule,
                      const record::Person& record, const config::NodeConfig& config,
                      absl::Time now) {
  const policy::RecordDecision d = policy.Decide(rule, record, now);
  RecordVerdict v{record.external_id, d.shared, d.reason, {}};
  if (!d.shared) return v;
  for (const match::keyspec::Key& k : match::keyspec::DeriveKeys(record, KeyOptions(config))) {
    const std::string name(match::keyspec::Info(k.type).name);
    if (rule.AllowsKeyType(name) &&
        std::find(v.key_types.begin(), v.key_types.end(), name) == v.key_types.end()) {
      v.key_types.push_back(name);
    }
  }
  return v;
}

absl::Status Decide(Node& node, const policy::Policy& policy, const std::string& record_id,
                    PolicyExplanation& e) {
  const absl::Time now = absl::Now();
  if (!record_id.empty()) {
    ASSIGN_OR_RETURN(const std::optional<record::Person> p, node.records().Get(record_id));
    if (!p.has_value()) return NoSuchRecordError();
    e.record = Verdict(policy, *e.rule, *p, node.config(), now);
    return absl::OkStatus();
  }
  return node.records().ForEach([&](const record::Person& p) {
    const policy::RecordDecision d = policy.Decide(*e.rule, p, now);
    if (d.shared) {
      ++e.shared;
    } else {
      ++e.withheld[d.reason];
    }
    return absl::OkStatus();
  });
}

}  // namespace

absl::StatusOr<std::shared_ptr<const policy::Policy>> CheckPolicyFile(const std::string& path) {
  return policy::Policy::Load(path, match::keyspec::KeyTypeNames());
}

absl::StatusOr<PolicyExplanation> ExplainPolicy(Node& node, const ExplainRequest& request) {
  if (request.peer.empty() || request.purpose.empty()) {
    return absl::InvalidArgumentError("peer and purpose are required");
  }
  ASSIGN_OR_RETURN(const federation::Roster roster,
                   federation::LoadInstalledRoster(node.paths(), absl::Now()));
  const federation::Member* member = roster.Find(request.peer);
  if (member == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("peer ", request.peer, ": not a roster member"));
  }
  ASSIGN_OR_RETURN(const config::NodeRole role, config::ParseNodeRole(member->role));
  PolicyExplanation e;
  e.peer = request.peer;
  e.organisation = member->organisation;
  e.role = member->role;
  e.purpose = request.purpose;
  e.policy_path = node.paths().policy();
  struct stat st;
  if (stat(e.policy_path.c_str(), &st) != 0) return e;
  e.has_policy = true;
  ASSIGN_OR_RETURN(const std::shared_ptr<const policy::Policy> policy,
                   CheckPolicyFile(e.policy_path));
  if (!policy->IsDeclaredPurpose(request.purpose)) {
    return absl::InvalidArgumentError(
        absl::StrCat("purpose '", request.purpose, "' is not declared in ", e.policy_path));
  }
  const policy::Rule* rule = policy->Find({request.peer, role}, request.purpose);
  if (rule == nullptr) return e;
  e.rule = *rule;
  e.decisions_status = Decide(node, *policy, request.record, e);
  return e;
}

}  // namespace fedlink::app
