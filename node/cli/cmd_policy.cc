// fedlink policy check | explain: validate a sharing policy file; show what
// it shares with one peer for one purpose (so an NGO can show a survivor
// exactly what is shared and with whom) (node/app/sharing_policy.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "node/app/sharing_policy.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"
#include "node/common/node_paths.h"
#include "policy/policy.h"

ABSL_FLAG(std::string, record, "", "External id of one own record to explain.");

namespace fedlink::cli {
namespace {

std::string RuleSummary(const policy::Rule& r) {
  std::vector<std::string> roles;
  for (record::Role role : r.record_roles) roles.emplace_back(record::RoleName(role));
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
      "  line ", r.line, ": rule '", r.name, "': ", peers, ", purpose ", r.purpose, ", records [",
      absl::StrJoin(roles, ","), "], consent ", r.consent_required ? "required" : "not required",
      ", t=", r.min_agreeing_keys, ", threshold ", r.score_threshold, ", payload ",
      policy::PayloadName(r.payload), ", budget ", r.daily_evaluate_budget, "/day (",
      r.daily_key_type_budget, " per key type)", r.notify_owner ? ", owner notified" : "",
      r.require_legal_basis ? ", legal basis and official required" : "");
}

int RunPolicyCheck(const std::vector<std::string>& args) {
  std::string path;
  if (args.size() == 1) {
    path = args[0];
  } else if (args.empty() && !absl::GetFlag(FLAGS_dir).empty()) {
    path = common::NodePaths(absl::GetFlag(FLAGS_dir)).policy();
  } else {
    return ReportError("policy check",
                       absl::InvalidArgumentError("give --dir DIR or a policy FILE"));
  }
  auto policy = app::CheckPolicyFile(path);
  if (!policy.ok()) return ReportError("policy check", policy.status());
  std::cout << "policy OK: " << path << ": " << (*policy)->purposes().size() << " purposes ("
            << absl::StrJoin((*policy)->purposes(), ", ") << "), " << (*policy)->rules().size()
            << " rules\n";
  for (const policy::Rule& r : (*policy)->rules()) std::cout << RuleSummary(r) << "\n";
  return kExitOk;
}

int RunPolicyExplain(const std::vector<std::string>& args) {
  app::ExplainRequest request{absl::GetFlag(FLAGS_peer), absl::GetFlag(FLAGS_purpose),
                              absl::GetFlag(FLAGS_record)};
  if (request.peer.empty() || request.purpose.empty()) {
    return ReportError("policy explain",
                       absl::InvalidArgumentError("--peer and --purpose are required"));
  }
  return WithNodeInDir("policy explain", {.load_identity = false}, [&](app::Node& node) {
    auto e = app::ExplainPolicy(node, request);
    if (!e.ok()) return ReportError("policy explain", e.status());
    if (!e->has_policy) {
      std::cout << "no policy file (" << e->policy_path << "): nothing is shared with anyone\n";
      return kExitOk;
    }
    std::cout << "peer " << Safe(e->peer) << " (" << Safe(e->organisation) << ", role "
              << Safe(e->role) << "), purpose " << Safe(e->purpose) << ":\n";
    if (!e->rule.has_value()) {
      std::cout << "no rule applies: nothing is shared (deny by default)\n";
      return kExitOk;
    }
    std::cout << "rule that applies:\n" << RuleSummary(*e->rule) << "\n";
    std::cout << "a matched record shows: " << policy::PayloadName(e->rule->payload) << "\n";
    std::cout << "keys used: "
              << (e->rule->key_types.empty() ? "all keyspec v1 key types"
                                             : absl::StrJoin(e->rule->key_types, ", "))
              << "\n";
    if (!e->decisions_status.ok()) return ReportError("policy explain", e->decisions_status);
    if (const auto& r = e->record; r.has_value()) {
      std::cout << "record " << r->external_id << ": " << (r->shared ? "SHARED" : "not shared")
                << " (" << r->reason << ")\n";
      if (r->shared) {
        std::cout << "  its keys in the table: " << absl::StrJoin(r->key_types, ", ")
                  << " (t=" << e->rule->min_agreeing_keys << " must agree to reveal it)\n";
      }
      return kExitOk;
    }
    std::cout << "records shared: " << e->shared << "\n";
    for (const auto& [reason, n] : e->withheld) {
      std::cout << "records withheld: " << n << " (" << reason << ")\n";
    }
    return kExitOk;
  });
}

FEDLINK_COMMAND("policy explain",
                "  fedlink policy explain --dir DIR --peer ID --purpose P [--record "
                "EXTERNAL_ID]\n\n"
                "Prints which rule applies to the peer for the purpose and what would be\n"
                "shared: the payload, the key types, t, and how many records are shared\n"
                "or withheld and why; with --record, the decision for one record.",
                "which rule applies to a peer and what it shares",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "peer",
                 "purpose", "record"},
                RunPolicyExplain);

FEDLINK_COMMAND("policy check", "  fedlink policy check --dir DIR\n  fedlink policy check FILE",
                "validate a policy file (syntax, declared purposes, conflicts) "
                "with line numbers",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential"},
                RunPolicyCheck);

}  // namespace
}  // namespace fedlink::cli
