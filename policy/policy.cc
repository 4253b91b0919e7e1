#include "policy/policy.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fedlink/v1/policy.pb.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/match/keyspec.h"

namespace fedlink::policy {
namespace {

class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (line_ == 0) {
      line_ = line + 1;
      message_ = message;
    }
  }
  void AddWarning(int, int, const std::string&) override {}
  int line_ = 0;
  std::string message_;
};

bool ValidName(absl::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (!(absl::ascii_islower(u) || absl::ascii_isdigit(u) || c == '-' || c == '.' || c == '_')) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<record::Role> RoleFromProto(int role) {
  switch (role) {
    case fedlink::v1::ROLE_VICTIM:
      return record::Role::kVictim;
    case fedlink::v1::ROLE_SUSPECT:
      return record::Role::kSuspect;
    case fedlink::v1::ROLE_WITNESS:
      return record::Role::kWitness;
    case fedlink::v1::ROLE_OTHER:
      return record::Role::kOther;
    default:
      return absl::InvalidArgumentError("record_roles: unspecified role");
  }
}

}  // namespace

absl::string_view PayloadName(Payload payload) {
  switch (payload) {
    case Payload::kHandleOnly:
      return "handle only";
    case Payload::kHandleAndRole:
      return "handle and role";
    case Payload::kHandleRoleAndOfficer:
      return "handle, role and officer contact";
  }
  return "handle only";
}

bool Rule::AllowsKeyType(absl::string_view key_type) const {
  return key_types.empty() ||
         std::find(key_types.begin(), key_types.end(), key_type) != key_types.end();
}

absl::StatusOr<std::shared_ptr<const Policy>> Policy::Parse(
    absl::string_view text, absl::string_view file,
    const std::vector<std::string>& known_key_types) {
  fedlink::v1::Policy proto;
  google::protobuf::TextFormat::Parser parser;
  FirstErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  google::protobuf::TextFormat::ParseInfoTree tree;
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(std::string(text), &proto)) {
    return absl::InvalidArgumentError(absl::StrCat(file, ":", errors.line_, ": ", errors.message_));
  }
  const auto* descriptor = proto.GetDescriptor();
  auto line_of = [&](absl::string_view field, int index) {
    return tree.GetLocation(descriptor->FindFieldByName(std::string(field)), index).line + 1;
  };
  auto error = [&](int line, absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(file, ":", line, ": ", what));
  };

  std::shared_ptr<Policy> policy(new Policy());
  policy->contact_requests_need_approval_ = proto.contact_requests_need_approval();
  for (int i = 0; i < proto.purposes_size(); ++i) {
    const std::string& purpose = proto.purposes(i);
    if (!ValidName(purpose)) {
      return error(line_of("purposes", i), "purpose names are 1-64 of [a-z0-9._-]");
    }
    if (policy->IsDeclaredPurpose(purpose)) {
      return error(line_of("purposes", i), absl::StrCat("purpose '", purpose, "' declared twice"));
    }
    policy->purposes_.push_back(purpose);
  }
  for (int i = 0; i < proto.groups_size(); ++i) {
    const auto& g = proto.groups(i);
    if (!ValidName(g.name())) return error(line_of("groups", i), "group needs a valid name");
    for (const auto& [name, members] : policy->groups_) {
      if (name == g.name()) {
        return error(line_of("groups", i), absl::StrCat("group '", g.name(), "' declared twice"));
      }
    }
    policy->groups_.emplace_back(g.name(),
                                 std::set<std::string>(g.members().begin(), g.members().end()));
  }
  for (int i = 0; i < proto.rules_size(); ++i) {
    const auto& r = proto.rules(i);
    Rule rule;
    rule.line = line_of("rules", i);
    rule.name = r.name().empty() ? absl::StrCat("#", i + 1) : r.name();
    auto rule_error = [&](absl::string_view what) {
      return error(rule.line, absl::StrCat("rule '", rule.name, "': ", what));
    };
    switch (r.peers().selector_case()) {
      case fedlink::v1::PeerSelector::kNodeId:
        rule.specificity = Specificity::kNode;
        rule.selector = r.peers().node_id();
        if (!config::ValidateNodeId(rule.selector).ok())
          return rule_error("peers: invalid node_id");
        break;
      case fedlink::v1::PeerSelector::kGroup:
        rule.specificity = Specificity::kGroup;
        rule.selector = r.peers().group();
        if (std::none_of(policy->groups_.begin(), policy->groups_.end(),
                         [&](const auto& g) { return g.first == rule.selector; })) {
          return rule_error(absl::StrCat("peers: group '", rule.selector, "' is not declared"));
        }
        break;
      case fedlink::v1::PeerSelector::kRole:
        rule.specificity = Specificity::kRole;
        // Text format takes any number for an enum: only the named roles.
        if (r.peers().role() == fedlink::v1::NODE_ROLE_UNSPECIFIED ||
            !fedlink::v1::NodeRole_IsValid(r.peers().role())) {
          return rule_error(
              "peers: role must be NODE_ROLE_AGENCY, NODE_ROLE_NGO or "
              "NODE_ROLE_AUDITOR");
        }
        rule.selector =
            std::string(config::NodeRoleName(static_cast<config::NodeRole>(r.peers().role())));
        break;
      case fedlink::v1::PeerSelector::kAny:
        if (!r.peers().any()) return rule_error("peers: any must be true");
        rule.specificity = Specificity::kAny;
        break;
      default:
        return rule_error("peers: missing (node_id, group, role or any)");
    }
    rule.purpose = r.purpose();
    if (!policy->IsDeclaredPurpose(rule.purpose)) {
      return rule_error(absl::StrCat("purpose '", rule.purpose, "' is not declared in purposes"));
    }
    for (int role : r.record_roles()) {
      auto parsed = RoleFromProto(role);
      if (!parsed.ok()) return rule_error(parsed.status().message());
      rule.record_roles.insert(*parsed);
    }
    rule.allowed_labels.insert(r.allowed_labels().begin(), r.allowed_labels().end());
    rule.consent_required = r.consent().required();
    rule.accepted_scopes.assign(r.consent().accepted_scopes().begin(),
                                r.consent().accepted_scopes().end());
    if (rule.accepted_scopes.empty()) rule.accepted_scopes.push_back(rule.purpose);
    for (const std::string& k : r.key_types()) {
      if (!known_key_types.empty() &&
          std::find(known_key_types.begin(), known_key_types.end(), k) == known_key_types.end()) {
        return rule_error(absl::StrCat("key_types: unknown key type '", k,
                                       "' (known: ", absl::StrJoin(known_key_types, ", "), ")"));
      }
      rule.key_types.push_back(k);
    }
    if (r.min_agreeing_keys() < 1) return rule_error("min_agreeing_keys must be at least 1");
    if (r.min_agreeing_keys() > static_cast<uint32_t>(match::keyspec::kKeyGroupCount)) {
      return rule_error(absl::StrCat("min_agreeing_keys must be at most ",
                                     match::keyspec::kKeyGroupCount, " (one share per key group)"));
    }
    rule.min_agreeing_keys = static_cast<int>(r.min_agreeing_keys());
    // NaN compares false with everything, so "< 0" alone would let it through.
    if (!std::isfinite(r.score_threshold()) || r.score_threshold() < 0) {
      return rule_error("score_threshold must be a finite number, not negative");
    }
    rule.score_threshold = r.score_threshold();
    if (!fedlink::v1::PayloadContent_IsValid(r.payload())) {
      return rule_error(
          "payload must be PAYLOAD_HANDLE_ONLY, PAYLOAD_HANDLE_AND_ROLE or "
          "PAYLOAD_HANDLE_ROLE_AND_OFFICER");
    }
    rule.payload = r.payload() == fedlink::v1::PAYLOAD_CONTENT_UNSPECIFIED
                       ? Payload::kHandleOnly
                       : static_cast<Payload>(r.payload());
    rule.daily_evaluate_budget = r.daily_evaluate_budget();
    if (r.daily_key_type_budget() > rule.daily_evaluate_budget) {
      return rule_error("daily_key_type_budget must not exceed daily_evaluate_budget");
    }
    rule.daily_key_type_budget =
        r.daily_key_type_budget() != 0
            ? r.daily_key_type_budget()
            : (rule.daily_evaluate_budget + kDefaultKeyTypeBudgetShare - 1) /
                  kDefaultKeyTypeBudgetShare;
    rule.notify_owner = r.notify_owner();
    rule.require_legal_basis = r.require_legal_basis();
    if (r.has_bucket_lookup()) {
      if (r.bucket_lookup().min_bucket_records() < kMinBucketRecordsFloor) {
        return rule_error(absl::StrCat("bucket_lookup: min_bucket_records must be at least ",
                                       kMinBucketRecordsFloor));
      }
      rule.min_bucket_records = r.bucket_lookup().min_bucket_records();
    }

    // Conflicts: another rule for the same purpose that could apply to the
    // same peer at the same specificity.
    for (const Rule& other : policy->rules_) {
      if (other.purpose != rule.purpose || other.specificity != rule.specificity) continue;
      bool overlap = other.selector == rule.selector;
      if (!overlap && rule.specificity == Specificity::kGroup) {
        const auto& a = *std::find_if(policy->groups_.begin(), policy->groups_.end(),
                                      [&](const auto& g) { return g.first == rule.selector; });
        for (const std::string& m : a.second) {
          if (policy->InGroup(other.selector, m)) overlap = true;
        }
      }
      if (overlap) {
        return rule_error(absl::StrCat("conflicts with rule '", other.name, "' (line ", other.line,
                                       "): both apply to the same peers for purpose '",
                                       rule.purpose, "' at the same specificity"));
      }
    }
    policy->rules_.push_back(std::move(rule));
  }
  return std::shared_ptr<const Policy>(std::move(policy));
}

absl::StatusOr<std::shared_ptr<const Policy>> Policy::Load(
    const std::string& path, const std::vector<std::string>& known_key_types) {
  auto text = common::ReadWholeFile(path, common::kMaxSmallFileBytes);
  if (absl::IsNotFound(text.status()))
    return absl::NotFoundError(absl::StrCat(path, ": cannot open policy file"));
  RETURN_IF_ERROR(text.status());
  return Parse(*text, path, known_key_types);
}

std::shared_ptr<const Policy> Policy::DenyAll() {
  return std::shared_ptr<const Policy>(new Policy());
}

bool Policy::IsDeclaredPurpose(absl::string_view purpose) const {
  return std::find(purposes_.begin(), purposes_.end(), purpose) != purposes_.end();
}

bool Policy::InGroup(absl::string_view group, absl::string_view node_id) const {
  for (const auto& [name, members] : groups_) {
    if (name == group) return members.count(std::string(node_id)) > 0;
  }
  return false;
}

const Rule* Policy::Find(const PeerInfo& peer, absl::string_view purpose) const {
  const Rule* best = nullptr;
  for (const Rule& rule : rules_) {
    if (rule.purpose != purpose) continue;
    bool applies = false;
    switch (rule.specificity) {
      case Specificity::kNode:
        applies = rule.selector == peer.node_id;
        break;
      case Specificity::kGroup:
        applies = InGroup(rule.selector, peer.node_id);
        break;
      case Specificity::kRole:
        applies = rule.selector == config::NodeRoleName(peer.role);
        break;
      case Specificity::kAny:
        applies = true;
        break;
    }
    if (applies && (best == nullptr || rule.specificity > best->specificity)) best = &rule;
  }
  return best;
}

RecordDecision Policy::Decide(const Rule& rule, const record::Person& record,
                              absl::Time now) const {
  if (rule.record_roles.count(record.role) == 0) {
    return {false, absl::StrCat("record role '", record::RoleName(record.role),
                                "' is not in the rule's record_roles")};
  }
  for (const std::string& label : record.labels) {
    if (rule.allowed_labels.count(label) == 0) {
      return {false, absl::StrCat("sensitivity label '", label, "' is not allowed")};
    }
  }
  if (rule.consent_required) {
    const bool expired =
        record.consent_expires_at != 0 && absl::FromUnixSeconds(record.consent_expires_at) <= now;
    if (expired) return {false, "consent has expired"};
    const bool scoped = std::any_of(
        rule.accepted_scopes.begin(), rule.accepted_scopes.end(), [&](const std::string& s) {
          return std::find(record.consent.begin(), record.consent.end(), s) != record.consent.end();
        });
    if (!scoped) {
      return {false,
              absl::StrCat("consent does not cover ", absl::StrJoin(rule.accepted_scopes, " or "))};
    }
  }
  return {true, "shared"};
}

absl::Status CheckAuthority(const Rule& rule, absl::string_view legal_basis,
                            absl::string_view official) {
  if (!rule.require_legal_basis || (!legal_basis.empty() && !official.empty())) {
    return absl::OkStatus();
  }
  const absl::string_view missing = legal_basis.empty() && official.empty()
                                        ? "no legal basis and no official"
                                    : legal_basis.empty() ? "no legal basis"
                                                          : "no official";
  return absl::PermissionDeniedError(absl::StrCat(
      "rule '", rule.name, "' requires a legal basis and an official for purpose '", rule.purpose,
      "'; the request names ", missing, " (--legal-basis REF --official ID)"));
}

bool ConsentCovers(const record::Person& record, absl::string_view purpose, absl::Time now) {
  if (record.consent_expires_at != 0 && absl::FromUnixSeconds(record.consent_expires_at) <= now) {
    return false;
  }
  return std::find(record.consent.begin(), record.consent.end(), purpose) != record.consent.end();
}

}  // namespace fedlink::policy
