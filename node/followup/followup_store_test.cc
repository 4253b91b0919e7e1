#include "node/followup/followup_store.h"

#include <filesystem>

#include "gtest/gtest.h"

namespace fedlink::followup {
namespace {

Contact MakeContact(const std::string& id, const std::string& peer, const std::string& handle,
                    const std::string& own_id, const std::string& reason, absl::Time at) {
  Contact c;
  c.id = id;
  c.peer = peer;
  c.handle = handle;
  c.own_id = own_id;
  c.purpose = "victim-dedup";
  c.reason = reason;
  c.hit_at = c.created_at = at;
  return c;
}

class FollowupStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::path(::testing::TempDir()) /
             ("followup" + std::to_string(getpid()) + ".db"))
                .string();
    std::filesystem::remove(path_);
    auto store = FollowupStore::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::string path_;
  std::unique_ptr<FollowupStore> store_;
};

TEST_F(FollowupStoreTest, HitKeepsItsFirstFoundTime) {
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  Hit h{"police", "victim-dedup", "h01", "n-1", 20, "phone", "victim", "", t0};
  ASSERT_TRUE(store_->RecordHits({h}).ok());
  h.found_at = t0 + absl::Hours(5);
  h.score = 22;
  ASSERT_TRUE(store_->RecordHits({h}).ok());
  auto found = store_->FindHit("police", "h01");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->found_at, t0);
  EXPECT_EQ((*found)->score, 22);
  EXPECT_FALSE(store_->FindHit("ngo", "h01")->has_value());
  EXPECT_EQ(store_->HitsFor("n-1")->size(), 1u);
}

TEST_F(FollowupStoreTest, IncomingIsDecidedOnceAndDuplicatesAreRefused) {
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  const Contact c = MakeContact("c1", "ngo", "h01", "v-1", "same survivor?", t0);
  ASSERT_TRUE(store_->AddIncoming(c).ok());
  EXPECT_EQ(store_->AddIncoming(c).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->Decide("nope", true, "", t0).status().code(), absl::StatusCode::kNotFound);
  auto decided = store_->Decide("c1", true, "call DC Smith", t0 + absl::Hours(1));
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_EQ(decided->status, ContactStatus::kAccepted);
  EXPECT_EQ(store_->Decide("c1", false, "", t0).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->Incoming()->at(0).reply, "call DC Smith");
}

TEST_F(FollowupStoreTest, OnlyTheAddresseeCanReplyToAnOutgoingRequest) {
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  const Contact c = MakeContact("c1", "police", "h01", "n-1", "why", t0);
  ASSERT_TRUE(store_->AddOutgoing(c).ok());
  EXPECT_EQ(store_->RecordReply("c1", "shelter", true, "", t0).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->RecordReply("c1", "police", false, "no", t0).ok());
  EXPECT_EQ(store_->RecordReply("c1", "police", true, "", t0).code(),
            absl::StatusCode::kNotFound);  // already decided
  EXPECT_EQ(store_->Outgoing()->at(0).status, ContactStatus::kDeclined);
}

TEST_F(FollowupStoreTest, RevocationsArePendingUntilAcknowledged) {
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  FollowupStore::Revocation r;
  r.id = "r1";
  r.own_id = "v-1";
  r.peer = "ngo";
  r.handle = "h01";
  r.created_at = t0;
  ASSERT_TRUE(store_->AddRevocation(r).ok());
  ASSERT_EQ(store_->PendingRevocations()->size(), 1u);
  ASSERT_TRUE(store_->AckRevocation("r1", t0 + absl::Minutes(1)).ok());
  EXPECT_TRUE(store_->PendingRevocations()->empty());
  EXPECT_EQ(store_->Revocations("v-1")->at(0).acked_at, t0 + absl::Minutes(1));
}

TEST_F(FollowupStoreTest, ARevocationForgetsOnlyTheSendersHitsAndRequests) {
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  ASSERT_TRUE(
      store_
          ->RecordHits({{"police", "victim-dedup", "h01", "n-1", 20, "phone", "victim", "", t0},
                        {"shelter", "victim-dedup", "h01", "n-2", 20, "phone", "victim", "", t0}})
          .ok());
  const Contact c = MakeContact("c1", "police", "h01", "n-1", "why", t0);
  ASSERT_TRUE(store_->AddOutgoing(c).ok());
  // Another node cannot revoke police's record.
  ASSERT_TRUE(store_->ApplyRevocation("shelter", "h02", "").ok());
  EXPECT_TRUE(store_->FindHit("police", "h01")->has_value());
  ASSERT_TRUE(store_->ApplyRevocation("police", "h01", "").ok());
  EXPECT_FALSE(store_->FindHit("police", "h01")->has_value());
  EXPECT_TRUE(store_->FindHit("shelter", "h01")->has_value());
  EXPECT_EQ(store_->Outgoing()->at(0).status, ContactStatus::kRevoked);
}

}  // namespace
}  // namespace fedlink::followup
