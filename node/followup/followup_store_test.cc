#include "node/followup/followup_store.h"

#include <filesystem>
#include <fstream>
#include <iterator>

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
  void TearDown() override {
    store_.reset();
    std::filesystem::remove(path_);
    std::filesystem::remove(path_ + "-wal");
    std::filesystem::remove(path_ + "-shm");
  }
  std::string path_;
  std::unique_ptr<FollowupStore> store_;
};

HeldContact MakeHeld(const std::string& id, const std::string& own_id, absl::Time at) {
  HeldContact h;
  h.id = id;
  h.peer = "police";
  h.handle = "h-" + id;
  h.own_id = own_id;
  h.purpose = "victim-dedup";
  h.reason = "same survivor?";
  h.requested_by = "amira";
  h.legal_basis = "case-17";
  h.created_at = at;
  return h;
}

TEST_F(FollowupStoreTest, ARejectedHeldRequestIsKeptWithWhoAndWhen) {
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  ASSERT_TRUE(store_->AddHeld(MakeHeld("c1", "n-1", t0)).ok());
  ASSERT_TRUE(store_->AddHeld(MakeHeld("c2", "n-2", t0 + absl::Minutes(1))).ok());
  auto rejected = store_->RejectHeld("c1", "sam", t0 + absl::Hours(2));
  ASSERT_TRUE(rejected.ok()) << rejected.status();
  EXPECT_TRUE(*rejected);
  // Decided once; an unknown id is no request.
  EXPECT_FALSE(*store_->RejectHeld("c1", "other", t0 + absl::Hours(3)));
  EXPECT_FALSE(*store_->RejectHeld("c9", "sam", t0));
  auto awaiting = store_->Held();
  ASSERT_TRUE(awaiting.ok());
  ASSERT_EQ(awaiting->size(), 1u);
  EXPECT_EQ((*awaiting)[0].id, "c2");
  EXPECT_FALSE((*awaiting)[0].rejected());
  EXPECT_TRUE(store_->Held("c1")->empty());
  auto listed = store_->RejectedHeld();
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  const HeldContact& c1 = (*listed)[0];
  EXPECT_EQ(c1.id, "c1");
  EXPECT_EQ(c1.handle, "h-c1");
  EXPECT_EQ(c1.reason, "same survivor?");
  EXPECT_EQ(c1.requested_by, "amira");
  EXPECT_TRUE(c1.rejected());
  EXPECT_EQ(c1.rejected_by, "sam");
  EXPECT_EQ(c1.rejected_at, t0 + absl::Hours(2));
  // Erasure (consent withdrawn) removes a rejected request like the others.
  ASSERT_TRUE(store_->EraseContentAbout("n-1", t0 + absl::Hours(4), false).ok());
  EXPECT_TRUE(store_->RejectedHeld()->empty());
  EXPECT_EQ(store_->Held()->size(), 1u);
}

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
  EXPECT_EQ(store_->RecordReply("c1", "shelter", true, "", t0).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->RecordReply("c1", "police", false, "no", t0).ok());
  EXPECT_EQ(store_->RecordReply("c1", "police", true, "", t0).status().code(),
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
  ASSERT_TRUE(store_->ApplyRevocation("shelter", "h02", "", t0).ok());
  EXPECT_TRUE(store_->FindHit("police", "h01")->has_value());
  ASSERT_TRUE(store_->ApplyRevocation("police", "h01", "", t0).ok());
  EXPECT_FALSE(store_->FindHit("police", "h01")->has_value());
  EXPECT_TRUE(store_->FindHit("shelter", "h01")->has_value());
  EXPECT_EQ(store_->Outgoing()->at(0).status, ContactStatus::kRevoked);
  // Its content is erased with it.
  EXPECT_TRUE(store_->Outgoing()->at(0).erased());
  EXPECT_EQ(store_->Outgoing()->at(0).handle, "");
  EXPECT_EQ(store_->Outgoing()->at(0).reason, "");
}

// Erasure removes the content of the requests about one record, sent and
// received, and its hits; other records' requests keep theirs, and every
// request keeps who asked whom, for what, when and the outcome.
TEST_F(FollowupStoreTest, ErasureRemovesTheContentAboutOneRecordOnly) {
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  Contact in = MakeContact("c1", "ngo", "h-ours-1", "v-1", "REASON-ONE", t0);
  in.salt = std::string(32, 's');
  Contact other = MakeContact("c2", "ngo", "h-ours-2", "v-2", "REASON-TWO", t0);
  other.salt = std::string(32, 't');
  Contact out = MakeContact("c3", "shelter", "h-theirs", "v-1", "REASON-THREE", t0);
  out.salt = std::string(32, 'u');
  ASSERT_TRUE(store_->AddIncoming(in).ok());
  ASSERT_TRUE(store_->AddIncoming(other).ok());
  ASSERT_TRUE(store_->AddOutgoing(out).ok());
  ASSERT_TRUE(store_->Decide("c1", true, "REPLY-ONE", t0).ok());
  ASSERT_TRUE(
      store_->RecordHits({{"shelter", "victim-dedup", "h-theirs", "v-1", 20, "phone", "", "", t0}})
          .ok());
  EXPECT_EQ(store_->Incoming()->at(0).salt, in.salt);

  auto erased = store_->EraseContentAbout("v-1", t0 + absl::Hours(1), /*forget_own_id=*/false);
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(*erased, 2u);
  const Contact c1 = **store_->FindIncoming("c1");
  EXPECT_TRUE(c1.erased());
  EXPECT_EQ(c1.erased_at, t0 + absl::Hours(1));
  EXPECT_EQ(c1.handle + c1.reason + c1.reply + c1.salt, "");
  EXPECT_EQ(c1.peer, "ngo");
  EXPECT_EQ(c1.own_id, "v-1");
  EXPECT_EQ(c1.purpose, "victim-dedup");
  EXPECT_EQ(c1.status, ContactStatus::kAccepted);
  const Contact c3 = **store_->FindOutgoing("c3");
  EXPECT_TRUE(c3.erased());
  EXPECT_EQ(c3.handle + c3.reason + c3.salt, "");
  EXPECT_TRUE(store_->HitsFor("v-1")->empty());
  const Contact c2 = **store_->FindIncoming("c2");  // another record: untouched
  EXPECT_FALSE(c2.erased());
  EXPECT_EQ(c2.reason, "REASON-TWO");
  EXPECT_EQ(c2.salt, other.salt);

  // Nothing of it is left in the file either (free space, write-ahead log).
  for (const std::string& file : {path_, path_ + "-wal"}) {
    std::ifstream f(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (const char* gone : {"REASON-ONE", "REPLY-ONE", "REASON-THREE", "h-ours-1", "h-theirs"}) {
      EXPECT_EQ(bytes.find(gone), std::string::npos) << gone << " in " << file;
    }
  }
  // A deleted record's id goes too.
  ASSERT_TRUE(store_->EraseContentAbout("v-1", t0, /*forget_own_id=*/true).ok());
  EXPECT_EQ((*store_->FindIncoming("c1"))->own_id, "");
}

}  // namespace
}  // namespace fedlink::followup
