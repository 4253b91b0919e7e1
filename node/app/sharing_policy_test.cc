// policy check and policy explain on real nodes in a signed roster.
#include "node/app/sharing_policy.h"

#include <cstdio>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/test_app_federation.h"

namespace fedlink::app {
namespace {

using testing::AnaPopescu;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MariaIvanova;
using ::testing::Pair;

class SharingPolicyTest : public testing::PoliceAndNgoTest {
 protected:
  void SetUp() override {
    record::Person no_consent = AnaPopescu("P-2");
    no_consent.consent.clear();
    record::Person suspect;
    suspect.external_id = "P-3";
    suspect.role = record::Role::kSuspect;
    suspect.given_name = "Ivan";
    fed_.Add("police", {MariaIvanova("P-1"), no_consent, suspect});
  }
  absl::StatusOr<PolicyExplanation> Explain(const std::string& node, const std::string& peer,
                                            const std::string& purpose,
                                            const std::string& record = "") {
    return ExplainPolicy(fed_.node(node), {peer, purpose, record});
  }
};

TEST_F(SharingPolicyTest, ExplainsTheRuleAndCountsWhatIsSharedOrWithheld) {
  auto e = Explain("police", "ngo", "victim-dedup");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->peer, "ngo");
  EXPECT_EQ(e->role, "ngo");
  EXPECT_TRUE(e->has_policy);
  ASSERT_TRUE(e->rule.has_value());
  EXPECT_EQ(e->rule->name, "ngos-dedup-victims");
  EXPECT_EQ(e->rule->payload, policy::Payload::kHandleAndRole);
  EXPECT_TRUE(e->rule->key_types.empty());  // all key types
  EXPECT_TRUE(e->decisions_status.ok());
  EXPECT_FALSE(e->record.has_value());
  EXPECT_EQ(e->shared, 1u);
  ASSERT_EQ(e->withheld.size(), 2u);
  EXPECT_EQ(e->withheld.at("consent does not cover victim-dedup"), 1u);
}

TEST_F(SharingPolicyTest, ExplainsOneRecord) {
  auto shared = Explain("police", "ngo", "victim-dedup", "P-1");
  ASSERT_TRUE(shared.ok()) << shared.status();
  ASSERT_TRUE(shared->record.has_value());
  EXPECT_EQ(shared->record->external_id, "P-1");
  EXPECT_TRUE(shared->record->shared);
  EXPECT_THAT(shared->record->key_types, ::testing::Contains("phone"));
  EXPECT_EQ(shared->shared, 0u);  // no counts for one record

  auto withheld = Explain("police", "ngo", "victim-dedup", "P-2");
  ASSERT_TRUE(withheld.ok());
  EXPECT_FALSE(withheld->record->shared);
  EXPECT_EQ(withheld->record->reason, "consent does not cover victim-dedup");
  EXPECT_TRUE(withheld->record->key_types.empty());
}

TEST_F(SharingPolicyTest, AnUnknownRecordLeavesTheRuleExplained) {
  auto e = Explain("police", "ngo", "victim-dedup", "P-404");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE(e->rule.has_value());
  EXPECT_TRUE(absl::IsNotFound(e->decisions_status));
  EXPECT_THAT(e->decisions_status.message(), ::testing::Not(HasSubstr("P-404")));
  EXPECT_FALSE(e->record.has_value());
}

TEST_F(SharingPolicyTest, NoRuleMeansNothingIsShared) {
  auto other_purpose = Explain("police", "ngo", "perpetrator-link");
  ASSERT_TRUE(other_purpose.ok()) << other_purpose.status();
  EXPECT_TRUE(other_purpose->has_policy);
  EXPECT_FALSE(other_purpose->rule.has_value());
  auto ngo = Explain("ngo", "police", "victim-dedup");
  ASSERT_TRUE(ngo.ok()) << ngo.status();
  EXPECT_EQ(ngo->organisation, fed_.node("police").config().organisation);
  EXPECT_FALSE(ngo->rule.has_value());
}

TEST_F(SharingPolicyTest, WithoutAPolicyFileNothingIsSharedWithAnyone) {
  std::remove(fed_.node("police").paths().policy().c_str());
  auto e = Explain("police", "ngo", "undeclared-too");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_FALSE(e->has_policy);
  EXPECT_EQ(e->policy_path, fed_.node("police").paths().policy());
  EXPECT_FALSE(e->rule.has_value());
}

TEST_F(SharingPolicyTest, RefusesBadRequests) {
  EXPECT_TRUE(absl::IsInvalidArgument(Explain("police", "", "victim-dedup").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Explain("police", "ngo", "").status()));
  auto stranger = Explain("police", "nobody", "victim-dedup");
  EXPECT_TRUE(absl::IsInvalidArgument(stranger.status()));
  EXPECT_THAT(stranger.status().message(), HasSubstr("peer nobody: not a roster member"));
  auto undeclared = Explain("police", "ngo", "marketing");
  EXPECT_TRUE(absl::IsInvalidArgument(undeclared.status()));
  EXPECT_THAT(undeclared.status().message(), HasSubstr("purpose 'marketing' is not declared"));
  std::ofstream(fed_.node("police").paths().policy()) << "rules { nope";
  EXPECT_THAT(Explain("police", "ngo", "victim-dedup").status().message(),
              HasSubstr("policy.txtpb:"));
}

TEST_F(SharingPolicyTest, WithoutARosterThereIsNoPeerToExplain) {
  std::remove(fed_.node("police").paths().roster().c_str());
  EXPECT_FALSE(Explain("police", "ngo", "victim-dedup").ok());
}

TEST_F(SharingPolicyTest, CheckValidatesAFileWithLineNumbers) {
  auto good = CheckPolicyFile(fed_.node("police").paths().policy());
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_THAT((*good)->purposes(), ElementsAre("victim-dedup", "perpetrator-link"));
  EXPECT_EQ((*good)->rules().size(), 1u);
  const std::string bad = fed_.node("police").paths().dir + "/bad.txtpb";
  std::ofstream(bad) << "purposes: \"a\"\nrules { nope }\n";
  EXPECT_THAT(CheckPolicyFile(bad).status().message(), HasSubstr("bad.txtpb:2"));
  EXPECT_FALSE(CheckPolicyFile(bad + ".missing").ok());
}

}  // namespace
}  // namespace fedlink::app
