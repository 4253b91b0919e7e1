// The review queue's store: a pair is queued once, decisions stick and are
// decided once, and the handle and our record's id never reach the file in
// the clear.
#include "node/followup/review_store.h"

#include "crypto/aead.h"
#include "gtest/gtest.h"
#include "node/followup/test_db_files.h"

namespace fedlink::followup {
namespace {

using testing::DbBytes;
using testing::FreshDb;
using testing::RemoveDb;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

ReviewItem Item(const std::string& handle, const std::string& own_id) {
  ReviewItem r;
  r.peer = "police";
  r.purpose = "victim-dedup";
  r.handle = handle;
  r.own_id = own_id;
  r.score = 17.25;
  r.threshold = 19.5;
  r.pattern = 0b101;
  r.keys = "phone;document";
  return r;
}

TEST(ReviewStoreTest, QueuesAPairOnceAndRemembersTheDecision) {
  const std::string path = FreshDb("review");
  auto key = crypto::SealingKey::Generate();
  auto store = ReviewStore::Open(path, key.get());
  ASSERT_TRUE(store.ok()) << store.status();
  auto first = (*store)->Offer(Item("hdl-one", "NGO-0001"), kT0);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->id.size(), 17u);
  EXPECT_EQ(first->id[0], 'r');
  auto again = (*store)->Offer(Item("hdl-one", "NGO-0001"), kT0 + absl::Hours(1));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, first->id);
  ASSERT_TRUE((*store)->Offer(Item("hdl-two", "NGO-0002"), kT0).ok());
  auto pending = (*store)->List(true);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_DOUBLE_EQ((*pending)[0].score, 17.25);
  EXPECT_EQ((*pending)[0].pattern, 0b101u);

  auto decided = (*store)->Decide(first->id, false, "officer-7", kT0 + absl::Hours(2));
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_EQ(decided->status, ReviewStatus::kRejected);
  // Decided once: a second decision is refused and changes nothing.
  auto twice = (*store)->Decide(first->id, true, "officer-8", kT0);
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*store)->Decide("r0000000000000000", true, "x", kT0).status().code(),
            absl::StatusCode::kNotFound);
  // A rejected pair offered again is not queued again.
  auto offered = (*store)->Offer(Item("hdl-one", "NGO-0001"), kT0 + absl::Hours(3));
  ASSERT_TRUE(offered.ok());
  EXPECT_EQ(offered->status, ReviewStatus::kRejected);
  EXPECT_EQ(offered->official, "officer-7");
  ASSERT_EQ((*store)->List(true)->size(), 1u);
  store->reset();
  // Reopened: the decision is still there.
  auto reopened = ReviewStore::Open(path, key.get());
  ASSERT_TRUE(reopened.ok());
  auto found = (*reopened)->Find("police", "victim-dedup", "hdl-one", "NGO-0001");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->status, ReviewStatus::kRejected);
  reopened->reset();
  RemoveDb(path);
}

TEST(ReviewStoreTest, HandlesAndIdsAreSealed) {
  const std::string path = FreshDb("review");
  auto key = crypto::SealingKey::Generate();
  {
    auto store = ReviewStore::Open(path, key.get());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Offer(Item("handle-visible-in-clear", "NGO-SECRET-ID"), kT0).ok());
  }
  const std::string bytes = DbBytes(path);
  EXPECT_EQ(bytes.find("handle-visible-in-clear"), std::string::npos);
  EXPECT_EQ(bytes.find("NGO-SECRET-ID"), std::string::npos);
  // Another key does not open them.
  auto other = crypto::SealingKey::Generate();
  auto store = ReviewStore::Open(path, other.get());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->List(false).status().code(), absl::StatusCode::kDataLoss);
  store->reset();
  RemoveDb(path);
}

}  // namespace
}  // namespace fedlink::followup
