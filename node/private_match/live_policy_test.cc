// The live policy alone: a policy file, a counting re-key hook and an audit
// log; no keyring, budget or responder.
#include "node/private_match/live_policy.h"

#include <filesystem>
#include <fstream>

#include "crypto/identity.h"
#include "fedlink/v1/audit.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/audit/audit_log.h"
#include "node/private_match/testing_node_dir.h"

namespace fedlink::private_match {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kNgoPolicy[] = R"pb(
  purposes: "victim-dedup"
  rules {
    name: "ngo-victims"
    peers { node_id: "ngo" }
    purpose: "victim-dedup"
    record_roles: ROLE_VICTIM
    min_agreeing_keys: 2
    daily_evaluate_budget: 1000
  }
)pb";

constexpr char kShelterPolicy[] = R"pb(
  purposes: "victim-dedup"
  rules {
    name: "shelter-victims"
    peers { node_id: "shelter" }
    purpose: "victim-dedup"
    record_roles: ROLE_VICTIM
    min_agreeing_keys: 2
    daily_evaluate_budget: 1000
  }
)pb";

const policy::PeerInfo kNgo{"ngo", config::NodeRole::kNgo};
const policy::PeerInfo kShelter{"shelter", config::NodeRole::kNgo};

class LivePolicyTest : public NodeDirTest {
 protected:
  LivePolicyTest() : NodeDirTest("live-policy") {
    policy_ = std::make_unique<LivePolicy>(paths_, "police", [this] {
      ++rekeys_;
      return rekey_outcome_;
    });
  }

  // Writes the policy file with a modification time of its own.
  void Write(const std::string& text) {
    std::ofstream(paths_.policy(), std::ios::trunc) << text;
    SetMTime(++edits_);
  }
  void SetMTime(int seconds) {
    std::filesystem::last_write_time(paths_.policy(), start_ + std::chrono::seconds(seconds));
  }
  // The events logged so far, as "event: outcome".
  std::vector<std::string> Logged() {
    auto exported = log_->Export();
    EXPECT_TRUE(exported.ok()) << exported.status();
    auto verified = audit::VerifyExport(*exported);
    EXPECT_TRUE(verified.ok()) << verified.status();
    std::vector<std::string> events;
    for (const std::string& bytes : verified->serialized_entries) {
      fedlink::v1::AuditEntry entry;
      EXPECT_TRUE(entry.ParseFromString(bytes));
      EXPECT_EQ(entry.requester(), "police");
      events.push_back(entry.event() + ": " + entry.outcome());
    }
    return events;
  }
  void AttachAuditLog() {
    key_ = *crypto::SigningKey::Generate("police");
    auto log = audit::AuditLog::Open(dir_, key_.get());
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    policy_->set_audit(log_.get());
  }

  const std::filesystem::file_time_type start_ = std::filesystem::file_time_type::clock::now();
  int edits_ = 0;
  int rekeys_ = 0;
  absl::Status rekey_outcome_;
  std::unique_ptr<LivePolicy> policy_;
  std::unique_ptr<crypto::SigningKey> key_;
  std::unique_ptr<audit::AuditLog> log_;
};

TEST_F(LivePolicyTest, NoFileSharesNothing) {
  auto current = policy_->Current();
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ((*current)->Find(kNgo, "victim-dedup"), nullptr);
  EXPECT_FALSE(policy_->HasRule(kNgo, "victim-dedup"));
  EXPECT_TRUE(policy_->Reload().ok());
  EXPECT_EQ(rekeys_, 0);
}

TEST_F(LivePolicyTest, TheFirstReadDoesNotReKey) {
  Write(kNgoPolicy);
  EXPECT_TRUE(policy_->HasRule(kNgo, "victim-dedup"));
  EXPECT_FALSE(policy_->HasRule(kShelter, "victim-dedup"));
  EXPECT_FALSE(policy_->HasRule(kNgo, "audit"));
  EXPECT_EQ(rekeys_, 0);
}

TEST_F(LivePolicyTest, ReloadsWhenTheModificationTimeChangesAndReKeys) {
  AttachAuditLog();
  Write(kNgoPolicy);
  auto before = policy_->Current();
  ASSERT_TRUE(before.ok());
  Write(kShelterPolicy);
  auto after = policy_->Current();
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_NE(*after, *before);
  EXPECT_TRUE(policy_->HasRule(kShelter, "victim-dedup"));
  EXPECT_FALSE(policy_->HasRule(kNgo, "victim-dedup"));
  EXPECT_EQ(rekeys_, 1);
  // The policy held from before stays valid and unchanged.
  EXPECT_NE((*before)->Find(kNgo, "victim-dedup"), nullptr);
  EXPECT_THAT(Logged(), ElementsAre("policy.reload: ok", "keys.rotate: ok"));
}

TEST_F(LivePolicyTest, AnUnchangedModificationTimeIsNotReRead) {
  Write(kNgoPolicy);
  ASSERT_TRUE(policy_->HasRule(kNgo, "victim-dedup"));
  std::ofstream(paths_.policy(), std::ios::trunc) << kShelterPolicy;
  SetMTime(edits_);  // as before
  EXPECT_TRUE(policy_->HasRule(kNgo, "victim-dedup"));
  EXPECT_EQ(rekeys_, 0);
  // SIGHUP reads it anyway; the same modification time is no change, so no
  // re-keying.
  ASSERT_TRUE(policy_->Reload().ok());
  EXPECT_TRUE(policy_->HasRule(kShelter, "victim-dedup"));
  EXPECT_EQ(rekeys_, 0);
}

TEST_F(LivePolicyTest, ABadFileKeepsTheLastGoodPolicyAndReloadReportsIt) {
  AttachAuditLog();
  Write(kNgoPolicy);
  ASSERT_TRUE(policy_->HasRule(kNgo, "victim-dedup"));
  Write("rules { this is not a policy");
  auto current = policy_->Current();
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_NE((*current)->Find(kNgo, "victim-dedup"), nullptr);
  const absl::Status reloaded = policy_->Reload();
  EXPECT_FALSE(reloaded.ok());
  EXPECT_THAT(reloaded.message(), HasSubstr("policy.txtpb"));
  EXPECT_TRUE(policy_->HasRule(kNgo, "victim-dedup"));
  EXPECT_EQ(rekeys_, 0);
  EXPECT_THAT(Logged(), IsEmpty());
  // Fixed: a change from the last good policy, so a re-keying.
  Write(kShelterPolicy);
  EXPECT_TRUE(policy_->HasRule(kShelter, "victim-dedup"));
  EXPECT_EQ(rekeys_, 1);
}

TEST_F(LivePolicyTest, ANodeThatNeverHadAGoodPolicySharesNothing) {
  Write("purposes: 12");
  auto current = policy_->Current();
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ((*current)->Find(kNgo, "victim-dedup"), nullptr);
  EXPECT_FALSE(policy_->Reload().ok());
  EXPECT_EQ(rekeys_, 0);
}

TEST_F(LivePolicyTest, SighupReloadReKeysWithoutLoggingTheReload) {
  AttachAuditLog();
  Write(kNgoPolicy);
  ASSERT_TRUE(policy_->Reload().ok());
  EXPECT_EQ(rekeys_, 0);  // the first read
  Write(kShelterPolicy);
  ASSERT_TRUE(policy_->Reload().ok());
  EXPECT_TRUE(policy_->HasRule(kShelter, "victim-dedup"));
  EXPECT_EQ(rekeys_, 1);
  // The caller (fedlink serve) logs the reload it asked for.
  EXPECT_THAT(Logged(), ElementsAre("keys.rotate: ok"));
}

TEST_F(LivePolicyTest, AFailedReKeyingIsReportedAndTheNewPolicyIsInForce) {
  AttachAuditLog();
  Write(kNgoPolicy);
  ASSERT_TRUE(policy_->Current().ok());
  rekey_outcome_ = absl::DataLossError("oprf.generation: corrupt key generation");
  Write(kShelterPolicy);
  EXPECT_EQ(policy_->Current().status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(rekeys_, 1);
  rekey_outcome_ = absl::OkStatus();
  EXPECT_TRUE(policy_->HasRule(kShelter, "victim-dedup"));
  Write(kNgoPolicy);
  rekey_outcome_ = absl::DataLossError("oprf.generation: corrupt key generation");
  EXPECT_EQ(policy_->Reload().code(), absl::StatusCode::kDataLoss);
  const std::vector<std::string> logged = Logged();
  ASSERT_EQ(logged.size(), 3u);
  EXPECT_EQ(logged[0], "policy.reload: ok");
  EXPECT_THAT(logged[1], HasSubstr("keys.rotate: "));
  EXPECT_THAT(logged[1], HasSubstr("DATA_LOSS"));
}

}  // namespace
}  // namespace fedlink::private_match
