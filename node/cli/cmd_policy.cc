// fedlink policy check | explain: validate a sharing policy file; show what
// it shares with one peer for one purpose (so an NGO can show a survivor
// exactly what is shared and with whom).
#include <iostream>

#include "node/common/node_paths.h"
#include "absl/flags/flag.h"
#include <sys/stat.h>

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "node/cli/command.h"
#include "node/config/node_dir.h"
#include "node/federation/roster.h"
#include "node/cli/flags.h"
#include "node/match/keyspec.h"
#include "policy/policy.h"

ABSL_FLAG(std::string, record, "", "External id of one own record to explain.");

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
    path = NodePaths(absl::GetFlag(FLAGS_dir)).policy();
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

int RunPolicyExplain(const std::vector<std::string>& args) {
  const std::string peer = absl::GetFlag(FLAGS_peer), purpose = absl::GetFlag(FLAGS_purpose);
  if (peer.empty() || purpose.empty()) {
    return ReportError("policy explain",
                       absl::InvalidArgumentError("--peer and --purpose are required"));
  }
  auto node = OpenNode(absl::GetFlag(FLAGS_dir), {.load_identity = false});
  if (!node.ok()) return ReportError("policy explain", node.status());
  auto roster = federation::LoadInstalledRoster((*node)->paths, absl::Now());
  if (!roster.ok()) return ReportError("policy explain", roster.status());
  const federation::Member* member = roster->Find(peer);
  if (member == nullptr) {
    return ReportError("policy explain", absl::InvalidArgumentError(absl::StrCat(
                                             "--peer ", peer, ": not a roster member")));
  }
  auto role = ParseNodeRole(member->role);
  if (!role.ok()) return ReportError("policy explain", role.status());
  const std::string path = (*node)->paths.policy();
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    std::cout << "no policy file (" << path << "): nothing is shared with anyone\n";
    return kExitOk;
  }
  auto policy = policy::Policy::Load(path, keyspec::KeyTypeNames());
  if (!policy.ok()) return ReportError("policy explain", policy.status());
  if (!(*policy)->IsDeclaredPurpose(purpose)) {
    return ReportError("policy explain", absl::InvalidArgumentError(absl::StrCat(
                                             "purpose '", purpose, "' is not declared in ", path)));
  }
  std::cout << "peer " << peer << " (" << member->organisation << ", role " << member->role
            << "), purpose " << purpose << ":\n";
  const policy::Rule* rule = (*policy)->Find({peer, *role}, purpose);
  if (rule == nullptr) {
    std::cout << "no rule applies: nothing is shared (deny by default)\n";
    return kExitOk;
  }
  std::cout << "rule that applies:\n" << RuleSummary(*rule) << "\n";
  std::cout << "a matched record shows: " << policy::PayloadName(rule->payload) << "\n";
  std::cout << "keys used: "
            << (rule->key_types.empty() ? "all keyspec v1 key types"
                                        : absl::StrJoin(rule->key_types, ", "))
            << "\n";
  const absl::Time now = absl::Now();
  if (const std::string id = absl::GetFlag(FLAGS_record); !id.empty()) {
    auto p = (*node)->store->Get(id);
    if (!p.ok()) return ReportError("policy explain", p.status());
    if (!p->has_value()) {
      return ReportError("policy explain",
                         absl::InvalidArgumentError("no record with that external_id"));
    }
    const auto d = (*policy)->Decide(*rule, **p, now);
    std::cout << "record " << id << ": " << (d.shared ? "SHARED" : "not shared") << " ("
              << d.reason << ")\n";
    if (d.shared) {
      std::vector<std::string> types;
      for (const auto& k : keyspec::DeriveKeys(**p, {(*node)->config.default_region})) {
        const std::string name(keyspec::Info(k.type).name);
        if (rule->AllowsKeyType(name) &&
            std::find(types.begin(), types.end(), name) == types.end()) {
          types.push_back(name);
        }
      }
      std::cout << "  its keys in the table: " << absl::StrJoin(types, ", ") << " (t="
                << rule->min_agreeing_keys << " must agree to reveal it)\n";
    }
    return kExitOk;
  }
  std::map<std::string, uint64_t> withheld;
  uint64_t shared = 0;
  absl::Status s = (*node)->store->ForEach([&](const Person& p) {
    const auto d = (*policy)->Decide(*rule, p, now);
    if (d.shared) {
      ++shared;
    } else {
      ++withheld[d.reason];
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return ReportError("policy explain", s);
  std::cout << "records shared: " << shared << "\n";
  for (const auto& [reason, n] : withheld) {
    std::cout << "records withheld: " << n << " (" << reason << ")\n";
  }
  return kExitOk;
}

FEDLINK_COMMAND("policy explain",
                "  fedlink policy explain --dir DIR --peer ID --purpose P [--record EXTERNAL_ID]\n\n"
                "Prints which rule applies to the peer for the purpose and what would be\n"
                "shared: the payload, the key types, t, and how many records are shared\n"
                "or withheld and why; with --record, the decision for one record.",
                "which rule applies to a peer and what it shares",
                {"dir", "peer", "purpose", "record"}, RunPolicyExplain);

FEDLINK_COMMAND("policy check",
                "  fedlink policy check --dir DIR\n  fedlink policy check FILE",
                "validate a policy file (syntax, declared purposes, conflicts) "
                "with line numbers",
                {"dir"}, RunPolicyCheck);

}  // namespace
}  // namespace fedlink::cli
