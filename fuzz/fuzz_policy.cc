// Fuzz target: the sharing policy (policy::Policy::Parse, policy.txtpb).
// An accepted policy holds only what docs/policy.md allows (t of 1 to 9, a
// known payload, a known peer role, a finite threshold), every rule is
// found for the peers it names, and deciding a record under each rule
// works. The text is also parsed here as the raw protobuf, to see the
// numbers the file gave (text format takes any number for an enum).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fedlink/v1/policy.pb.h"
#include "fuzz/fuzz_support.h"
#include "google/protobuf/text_format.h"
#include "node/match/keyspec.h"
#include "policy/policy.h"

namespace {

const std::vector<std::string>& KeyTypes() {
  static const auto* names = new std::vector<std::string>(fedlink::match::keyspec::KeyTypeNames());
  return *names;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace policy = fedlink::policy;
  const absl::string_view text = fedlink::fuzz::AsText(data, size);
  auto parsed = policy::Policy::Parse(text, "policy.txtpb", KeyTypes());
  if (!parsed.ok()) return 0;
  const policy::Policy& p = **parsed;

  fedlink::v1::Policy raw;
  google::protobuf::TextFormat::Parser parser;
  FUZZ_CHECK(parser.ParseFromString(std::string(text), &raw), "accepted text that does not parse");
  FUZZ_CHECK(raw.rules_size() == static_cast<int>(p.rules().size()), "rules lost or added");
  for (int i = 0; i < raw.rules_size(); ++i) {
    const auto& r = raw.rules(i);
    if (r.peers().has_role()) {
      FUZZ_CHECK(fedlink::v1::NodeRole_IsValid(r.peers().role()), "an unknown peer role accepted");
    }
    FUZZ_CHECK(fedlink::v1::PayloadContent_IsValid(r.payload()), "an unknown payload accepted");
  }

  const fedlink::record::Person person = [] {
    fedlink::record::Person x;
    x.external_id = "r1";
    x.role = fedlink::record::Role::kVictim;
    x.consent = {"victim-dedup"};
    x.labels = {"minor"};
    return x;
  }();
  for (const policy::Rule& rule : p.rules()) {
    FUZZ_CHECK(p.IsDeclaredPurpose(rule.purpose), "a rule for an undeclared purpose");
    FUZZ_CHECK(rule.min_agreeing_keys >= 1 &&
                   rule.min_agreeing_keys <= fedlink::match::keyspec::kKeyGroupCount,
               "min_agreeing_keys out of 1..9");
    FUZZ_CHECK(std::isfinite(rule.score_threshold) && rule.score_threshold >= 0,
               "a threshold that is not finite and non-negative");
    FUZZ_CHECK(rule.payload == policy::Payload::kHandleOnly ||
                   rule.payload == policy::Payload::kHandleAndRole ||
                   rule.payload == policy::Payload::kHandleRoleAndOfficer,
               "an unknown payload");
    FUZZ_CHECK(!rule.accepted_scopes.empty(), "a rule with no accepted scope");
    if (rule.specificity == policy::Specificity::kNode) {
      const policy::Rule* found =
          p.Find({rule.selector, fedlink::config::NodeRole::kAgency}, rule.purpose);
      FUZZ_CHECK(found != nullptr && found->specificity == policy::Specificity::kNode,
                 "a node rule not found for its node");
    }
    (void)p.Decide(rule, person, fedlink::fuzz::FixedNow());
  }
  for (const auto role : {fedlink::config::NodeRole::kAgency, fedlink::config::NodeRole::kNgo,
                          fedlink::config::NodeRole::kAuditor}) {
    for (const std::string& purpose : p.purposes()) (void)p.Find({"peer-1", role}, purpose);
  }
  return 0;
}
