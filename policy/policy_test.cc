#include "policy/policy.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::policy {
namespace {

using ::testing::HasSubstr;

constexpr char kPolicy[] = R"pb(
  purposes: "victim-dedup"
  purposes: "perpetrator-link"
  groups { name: "shelters" members: "shelter-1" members: "shelter-2" }
  rules {
    name: "ngos-victims"
    peers { role: NODE_ROLE_NGO }
    purpose: "victim-dedup"
    record_roles: ROLE_VICTIM
    allowed_labels: "trafficking"
    consent { required: true }
    key_types: "phone"
    key_types: "name_dob"
    min_agreeing_keys: 2
    score_threshold: 10
    payload: PAYLOAD_HANDLE_AND_ROLE
    daily_evaluate_budget: 5000
    daily_key_type_budget: 600
    notify_owner: true
  }
  rules {
    name: "shelters-victims"
    peers { group: "shelters" }
    purpose: "victim-dedup"
    record_roles: ROLE_VICTIM
    consent { required: true accepted_scopes: "victim-dedup" accepted_scopes: "any-dedup" }
    min_agreeing_keys: 3
    daily_evaluate_budget: 100
  }
  rules {
    name: "police-2-suspects"
    peers { node_id: "police-2" }
    purpose: "perpetrator-link"
    record_roles: ROLE_SUSPECT
    min_agreeing_keys: 1
    payload: PAYLOAD_HANDLE_ROLE_AND_OFFICER
    daily_evaluate_budget: 100000
    require_legal_basis: true
  }
)pb";

std::shared_ptr<const Policy> Load() {
  auto p = Policy::Parse(kPolicy, "p.txtpb", {"phone", "name_dob", "email"});
  EXPECT_TRUE(p.ok()) << p.status();
  return *p;
}

record::Person Victim() {
  record::Person p;
  p.external_id = "v1";
  p.role = record::Role::kVictim;
  p.consent = {"victim-dedup"};
  p.labels = {"trafficking"};
  return p;
}

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

TEST(PolicyTest, DenyByDefault) {
  auto policy = Load();
  EXPECT_EQ(policy->Find({"police-9", config::NodeRole::kAgency}, "victim-dedup"), nullptr);
  EXPECT_EQ(policy->Find({"ngo-1", config::NodeRole::kNgo}, "perpetrator-link"), nullptr);
  EXPECT_EQ(policy->Find({"ngo-1", config::NodeRole::kNgo}, "undeclared"), nullptr);
  EXPECT_EQ(Policy::DenyAll()->Find({"ngo-1", config::NodeRole::kNgo}, "victim-dedup"), nullptr);
}

TEST(PolicyTest, MostSpecificRuleWins) {
  auto policy = Load();
  // shelter-1 is an NGO by role and in the shelters group: the group wins.
  const Rule* rule = policy->Find({"shelter-1", config::NodeRole::kNgo}, "victim-dedup");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->name, "shelters-victims");
  rule = policy->Find({"ngo-7", config::NodeRole::kNgo}, "victim-dedup");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->name, "ngos-victims");
  rule = policy->Find({"police-2", config::NodeRole::kAgency}, "perpetrator-link");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->payload, Payload::kHandleRoleAndOfficer);
}

TEST(PolicyTest, ParsesEveryField) {
  auto policy = Load();
  const Rule* rule = policy->Find({"ngo-7", config::NodeRole::kNgo}, "victim-dedup");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->min_agreeing_keys, 2);
  EXPECT_EQ(rule->score_threshold, 10);
  EXPECT_EQ(rule->payload, Payload::kHandleAndRole);
  EXPECT_EQ(rule->daily_evaluate_budget, 5000u);
  EXPECT_EQ(rule->daily_key_type_budget, 600u);
  EXPECT_TRUE(rule->notify_owner);
  EXPECT_TRUE(rule->AllowsKeyType("phone"));
  EXPECT_FALSE(rule->AllowsKeyType("email"));
  EXPECT_EQ(rule->line, 5);
}

TEST(PolicyTest, ContactApprovalIsOffByDefaultAndReadFromTheFile) {
  EXPECT_FALSE(Load()->contact_requests_need_approval());
  auto on = Policy::Parse("purposes: \"victim-dedup\"\ncontact_requests_need_approval: true\n",
                          "p.txtpb", {});
  ASSERT_TRUE(on.ok()) << on.status();
  EXPECT_TRUE((*on)->contact_requests_need_approval());
}

// Unset, a key type may have a quarter of the daily budget (rounded up);
// more than the whole budget is a mistake.
TEST(PolicyTest, KeyTypeBudgetDefaultsToAQuarterAndNeverExceedsTheBudget) {
  auto policy = Load();
  EXPECT_EQ(
      policy->Find({"shelter-1", config::NodeRole::kNgo}, "victim-dedup")->daily_key_type_budget,
      25u);
  EXPECT_EQ(policy->Find({"police-2", config::NodeRole::kAgency}, "perpetrator-link")
                ->daily_key_type_budget,
            25000u);
  auto odd = Policy::Parse(R"pb(purposes: "p"
                                rules {
                                  peers { any: true }
                                  purpose: "p"
                                  min_agreeing_keys: 2
                                  daily_evaluate_budget: 5
                                })pb",
                           "p.txtpb", {});
  ASSERT_TRUE(odd.ok()) << odd.status();
  EXPECT_EQ((*odd)->rules()[0].daily_key_type_budget, 2u);
  auto over = Policy::Parse(R"pb(purposes: "p"
                                 rules {
                                   name: "r"
                                   peers { any: true }
                                   purpose: "p"
                                   min_agreeing_keys: 2
                                   daily_evaluate_budget: 5
                                   daily_key_type_budget: 6
                                 })pb",
                            "p.txtpb", {});
  EXPECT_EQ(over.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(over.status().message(),
              HasSubstr("rule 'r': daily_key_type_budget must not exceed daily_evaluate_budget"));
}

TEST(PolicyTest, BucketLookupIsOffByDefaultAndNeedsAMinimumOfTen) {
  const auto parse = [](const std::string& extra) {
    return Policy::Parse(absl::StrCat(R"pb(purposes: "p"
                                           rules { name: "r"
                                                   peers { any: true }
                                                   purpose: "p"
                                                   min_agreeing_keys: 2
                                      )pb",
                                      extra, "}"),
                         "p.txtpb", {});
  };
  auto off = parse("");
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ((*off)->rules()[0].min_bucket_records, 0u);
  auto on = parse("bucket_lookup { min_bucket_records: 250 }");
  ASSERT_TRUE(on.ok()) << on.status();
  EXPECT_EQ((*on)->rules()[0].min_bucket_records, 250u);
  for (const char* small : {"bucket_lookup { min_bucket_records: 9 }", "bucket_lookup {}"}) {
    auto refused = parse(small);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << small;
    EXPECT_THAT(refused.status().message(),
                HasSubstr("rule 'r': bucket_lookup: min_bucket_records must be at least 10"));
  }
}

TEST(PolicyTest, RecordRoleIsEnforced) {
  auto policy = Load();
  const Rule& rule = *policy->Find({"ngo-7", config::NodeRole::kNgo}, "victim-dedup");
  record::Person p = Victim();
  EXPECT_TRUE(policy->Decide(rule, p, kNow).shared);
  p.role = record::Role::kSuspect;
  RecordDecision d = policy->Decide(rule, p, kNow);
  EXPECT_FALSE(d.shared);
  EXPECT_THAT(d.reason, HasSubstr("record role"));
}

TEST(PolicyTest, LabelsAreEnforced) {
  auto policy = Load();
  const Rule& rule = *policy->Find({"ngo-7", config::NodeRole::kNgo}, "victim-dedup");
  record::Person p = Victim();
  p.labels = {"trafficking", "minor"};
  EXPECT_FALSE(policy->Decide(rule, p, kNow).shared);
  p.labels.clear();  // unlabelled records are eligible
  EXPECT_TRUE(policy->Decide(rule, p, kNow).shared);
}

TEST(PolicyTest, ConsentScopeAndExpiryAreEnforced) {
  auto policy = Load();
  const Rule& rule = *policy->Find({"ngo-7", config::NodeRole::kNgo}, "victim-dedup");
  record::Person p = Victim();
  p.consent = {"perpetrator-link"};
  EXPECT_FALSE(policy->Decide(rule, p, kNow).shared);
  p.consent.clear();
  EXPECT_FALSE(policy->Decide(rule, p, kNow).shared);
  p = Victim();
  p.consent_expires_at = absl::ToUnixSeconds(kNow);  // expires now
  EXPECT_THAT(policy->Decide(rule, p, kNow).reason, HasSubstr("expired"));
  p.consent_expires_at = absl::ToUnixSeconds(kNow) + 1;
  EXPECT_TRUE(policy->Decide(rule, p, kNow).shared);
  // Accepted scopes other than the purpose itself.
  const Rule& shelters = *policy->Find({"shelter-2", config::NodeRole::kNgo}, "victim-dedup");
  p = Victim();
  p.labels.clear();
  p.consent = {"any-dedup"};
  EXPECT_TRUE(policy->Decide(shelters, p, kNow).shared);
}

TEST(PolicyTest, ConsentNotRequiredIgnoresConsent) {
  auto policy = Load();
  const Rule& rule = *policy->Find({"police-2", config::NodeRole::kAgency}, "perpetrator-link");
  record::Person p;
  p.role = record::Role::kSuspect;
  EXPECT_TRUE(policy->Decide(rule, p, kNow).shared);
}

TEST(PolicyTest, OutboundConsent) {
  record::Person p = Victim();
  EXPECT_TRUE(ConsentCovers(p, "victim-dedup", kNow));
  EXPECT_FALSE(ConsentCovers(p, "perpetrator-link", kNow));
  p.consent_expires_at = absl::ToUnixSeconds(kNow) - 1;
  EXPECT_FALSE(ConsentCovers(p, "victim-dedup", kNow));
}

struct BadPolicy {
  const char* name;
  const char* text;
  const char* want;
};

class PolicyRejectsTest : public ::testing::TestWithParam<BadPolicy> {};

TEST_P(PolicyRejectsTest, NamesLineAndProblem) {
  auto p = Policy::Parse(GetParam().text, "bad.txtpb", {"phone"});
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(std::string(p.status().message()), HasSubstr(GetParam().want));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PolicyRejectsTest,
    ::testing::Values(
        BadPolicy{"syntax", "purposes: \"a\"\nrules { nme: 1 }\n", "bad.txtpb:2:"},
        BadPolicy{"undeclared_purpose",
                  "purposes: \"a\"\n\nrules { peers { any: true } purpose: \"b\" "
                  "min_agreeing_keys: 1 }",
                  "bad.txtpb:3: rule '#1': purpose 'b' is not declared"},
        BadPolicy{"no_peers", "purposes: \"a\" rules { purpose: \"a\" min_agreeing_keys: 1 }",
                  "peers: missing"},
        BadPolicy{"unknown_group",
                  "purposes: \"a\" rules { peers { group: \"g\" } purpose: \"a\" "
                  "min_agreeing_keys: 1 }",
                  "group 'g' is not declared"},
        BadPolicy{"zero_t", "purposes: \"a\" rules { peers { any: true } purpose: \"a\" }",
                  "min_agreeing_keys must be at least 1"},
        BadPolicy{"unknown_key_type",
                  "purposes: \"a\" rules { peers { any: true } purpose: \"a\" "
                  "min_agreeing_keys: 1 key_types: \"shoe_size\" }",
                  "unknown key type 'shoe_size'"},
        BadPolicy{"duplicate_purpose", "purposes: \"a\"\npurposes: \"a\"", "bad.txtpb:2:"},
        BadPolicy{"nan_threshold",
                  "purposes: \"a\" rules { peers { any: true } purpose: \"a\" "
                  "min_agreeing_keys: 1 score_threshold: nan }",
                  "score_threshold must be a finite number"},
        BadPolicy{"infinite_threshold",
                  "purposes: \"a\" rules { peers { any: true } purpose: \"a\" "
                  "min_agreeing_keys: 1 score_threshold: inf }",
                  "score_threshold must be a finite number"},
        BadPolicy{"same_role_conflict",
                  "purposes: \"a\"\n"
                  "rules { name: \"x\" peers { role: NODE_ROLE_NGO } purpose: \"a\" "
                  "min_agreeing_keys: 1 }\n"
                  "rules { name: \"y\" peers { role: NODE_ROLE_NGO } purpose: \"a\" "
                  "min_agreeing_keys: 2 }\n",
                  "bad.txtpb:3: rule 'y': conflicts with rule 'x' (line 2)"},
        // Found by fuzz_policy: text format takes any number for an enum,
        // and a role of 6 was read as an agency rule.
        BadPolicy{"unknown_peer_role",
                  "purposes: \"a\" rules { peers { role: 6 } purpose: \"a\" "
                  "min_agreeing_keys: 1 }",
                  "peers: role must be NODE_ROLE_AGENCY"},
        // Found by fuzz_policy: a payload of 4 was taken (and revealed the
        // role, as every payload but handle-only does).
        BadPolicy{"unknown_payload",
                  "purposes: \"a\" rules { peers { any: true } purpose: \"a\" "
                  "min_agreeing_keys: 1 payload: 4 }",
                  "payload must be PAYLOAD_HANDLE_ONLY"},
        // Found by fuzz_policy: t above the key groups (13 since keyspec
        // v2 added four) was taken, and every table for the rule then
        // failed to build.
        BadPolicy{"t_above_key_groups",
                  "purposes: \"a\" rules { peers { any: true } purpose: \"a\" "
                  "min_agreeing_keys: 14 }",
                  "min_agreeing_keys must be at most 13"},
        BadPolicy{"overlapping_groups_conflict",
                  "purposes: \"a\"\n"
                  "groups { name: \"g1\" members: \"n1\" members: \"n2\" }\n"
                  "groups { name: \"g2\" members: \"n2\" }\n"
                  "rules { name: \"x\" peers { group: \"g1\" } purpose: \"a\" "
                  "min_agreeing_keys: 1 }\n"
                  "rules { name: \"y\" peers { group: \"g2\" } purpose: \"a\" "
                  "min_agreeing_keys: 1 }\n",
                  "conflicts with rule 'x'"}),
    [](const ::testing::TestParamInfo<BadPolicy>& info) { return info.param.name; });

TEST(PolicyTest, DifferentSpecificityIsNotAConflict) {
  auto p = Policy::Parse(
      "purposes: \"a\"\n"
      "rules { peers { role: NODE_ROLE_NGO } purpose: \"a\" min_agreeing_keys: "
      "1 }\n"
      "rules { peers { node_id: \"ngo-1\" } purpose: \"a\" min_agreeing_keys: "
      "2 }\n"
      "rules { peers { any: true } purpose: \"a\" min_agreeing_keys: 3 }\n",
      "ok.txtpb", {});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->Find({"ngo-1", config::NodeRole::kNgo}, "a")->min_agreeing_keys, 2);
  EXPECT_EQ((*p)->Find({"ngo-2", config::NodeRole::kNgo}, "a")->min_agreeing_keys, 1);
  EXPECT_EQ((*p)->Find({"police", config::NodeRole::kAgency}, "a")->min_agreeing_keys, 3);
}

}  // namespace
// require_legal_basis: a request under the rule must name a legal basis
// and an official; the refusal names the rule and what is missing, never a
// value. A rule without it asks for neither.
TEST(PolicyTest, ARuleRequiringALegalBasisRefusesARequestWithoutOne) {
  auto policy = Load();
  const Rule* strict = policy->Find({"police-2", config::NodeRole::kAgency}, "perpetrator-link");
  ASSERT_NE(strict, nullptr);
  EXPECT_TRUE(strict->require_legal_basis);
  EXPECT_TRUE(CheckAuthority(*strict, "CASE-1", "officer-7").ok());
  const absl::Status none = CheckAuthority(*strict, "", "");
  EXPECT_TRUE(absl::IsPermissionDenied(none)) << none;
  EXPECT_EQ(none.message(),
            "rule 'police-2-suspects' requires a legal basis and an official for purpose "
            "'perpetrator-link'; the request names no legal basis and no official "
            "(--legal-basis REF --official ID)");
  EXPECT_THAT(std::string(CheckAuthority(*strict, "CASE-1", "").message()),
              ::testing::HasSubstr("names no official ("));
  EXPECT_THAT(std::string(CheckAuthority(*strict, "", "officer-7").message()),
              ::testing::HasSubstr("names no legal basis ("));
  const Rule* lax = policy->Find({"ngo-1", config::NodeRole::kNgo}, "victim-dedup");
  ASSERT_NE(lax, nullptr);
  EXPECT_FALSE(lax->require_legal_basis);
  EXPECT_TRUE(CheckAuthority(*lax, "", "").ok());
}

}  // namespace fedlink::policy
