// fedlink policy check: validate a sharing policy file.
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/match/keyspec.h"
#include "policy/policy.h"

namespace fedlink::cli {
namespace {

std::string RuleSummary(const policy::Rule& r) {
  std::vector<std::string> roles;
  for (Role role : r.record_roles) roles.emplace_back(RoleName(role));
  std::string peers;
  switch (r.specificity) {
    case policy::Specificity::kNode:
      peers = "node " + r.selector;
      break;
    case policy::Specificity::kGroup:
      peers = "group " + r.selector;
      break;
    case policy::Specificity::kRole:
      peers = "role " + r.selector;
      break;
    case policy::Specificity::kAny:
      peers = "any member";
      break;
  }
  return absl::StrCat(
      "  line ", r.line, ": rule '", r.name, "': ", peers, ", purpose ",
      r.purpose, ", records [", absl::StrJoin(roles, ","), "], consent ",
      r.consent_required ? "required" : "not required",
      ", t=", r.min_agreeing_keys, ", threshold ", r.score_threshold,
      ", payload ", policy::PayloadName(r.payload), ", budget ",
      r.daily_evaluate_budget, "/day",
      r.notify_owner ? ", owner notified" : "");
}

int RunPolicyCheck(const std::vector<std::string>& args) {
  std::string path;
  if (args.size() == 1) {
    path = args[0];
  } else if (args.empty() && !absl::GetFlag(FLAGS_dir).empty()) {
    path = absl::GetFlag(FLAGS_dir) + "/policy.txtpb";
  } else {
    return ReportError("policy check", absl::InvalidArgumentError(
                                           "give --dir DIR or a policy FILE"));
  }
  auto policy = policy::Policy::Load(path, keyspec::KeyTypeNames());
  if (!policy.ok()) return ReportError("policy check", policy.status());
  std::cout << "policy OK: " << path << ": " << (*policy)->purposes().size()
            << " purposes (" << absl::StrJoin((*policy)->purposes(), ", ")
            << "), " << (*policy)->rules().size() << " rules\n";
  for (const policy::Rule& r : (*policy)->rules())
    std::cout << RuleSummary(r) << "\n";
  return kExitOk;
}

FEDLINK_COMMAND("policy check",
                "  fedlink policy check --dir DIR\n  fedlink policy check FILE",
                "validate a policy file (syntax, declared purposes, conflicts) "
                "with line numbers",
                {"dir"}, RunPolicyCheck);

}  // namespace
}  // namespace fedlink::cli
