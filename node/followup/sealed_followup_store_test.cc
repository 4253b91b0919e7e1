// Follow-up content sealed under the node's data key: reasons, replies and
// officers never reach the file in the clear, a value moved to another row
// does not open, a sealed store needs its key, and a clear one is sealed
// when first opened with it.

#include "crypto/aead.h"
#include "gtest/gtest.h"
#include "node/followup/followup_store.h"
#include "node/followup/test_db_files.h"
#include "node/store/sqlite.h"

namespace fedlink::followup {
namespace {

using testing::DbBytes;
using testing::FreshDb;
using testing::RemoveDb;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

Contact Request(const std::string& id, const std::string& reason) {
  Contact c;
  c.id = id;
  c.peer = "police";
  c.handle = "h-" + id;
  c.own_id = "n-" + id;
  c.purpose = "victim-dedup";
  c.reason = reason;
  c.hit_at = c.created_at = kT0;
  return c;
}

void Fill(FollowupStore& store) {
  ASSERT_TRUE(store.AddOutgoing(Request("c1", "Tetiana Kovalenko, seen at Odesa port")).ok());
  ASSERT_TRUE(store.AddIncoming(Request("c2", "Olena Shevchuk intake 2024")).ok());
  ASSERT_TRUE(store.AddIncoming(Request("c3", "second request text")).ok());
  ASSERT_TRUE(store.Decide("c2", true, "call inspector Moreau", kT0).ok());
  ASSERT_TRUE(store
                  .RecordHits({Hit{"ngo", "victim-dedup", "h9", "n-9", 20, "phone", "victim",
                                   "inspector.moreau@police.example", kT0}})
                  .ok());
}

TEST(SealedFollowupStoreTest, ContentIsSealedAndReadsBack) {
  const std::string path = FreshDb("sealed-followup");
  auto key = crypto::SealingKey::Generate();
  {
    auto store = FollowupStore::Open(path, key.get());
    ASSERT_TRUE(store.ok()) << store.status();
    Fill(**store);
    EXPECT_EQ((*(*store)->FindOutgoing("c1"))->reason, "Tetiana Kovalenko, seen at Odesa port");
    EXPECT_EQ((*(*store)->FindIncoming("c2"))->reply, "call inspector Moreau");
    EXPECT_EQ((*(*store)->FindHit("ngo", "h9"))->officer, "inspector.moreau@police.example");
  }
  const std::string bytes = DbBytes(path);
  for (const char* v : {"Tetiana", "Kovalenko", "Olena", "Moreau", "inspector.moreau"}) {
    EXPECT_EQ(bytes.find(v), std::string::npos) << v;
  }
  EXPECT_TRUE(absl::IsFailedPrecondition(FollowupStore::Open(path).status()));
  auto other = crypto::SealingKey::Generate();
  auto wrong = FollowupStore::Open(path, other.get());
  ASSERT_TRUE(wrong.ok());
  EXPECT_TRUE(absl::IsDataLoss((*wrong)->Incoming().status()));
}

TEST(SealedFollowupStoreTest, AReasonMovedToAnotherRequestDoesNotOpen) {
  const std::string path = FreshDb("sealed-followup");
  auto key = crypto::SealingKey::Generate();
  { Fill(**FollowupStore::Open(path, key.get())); }
  {
    auto db = *store::sqlite::Database::Open(path, {});
    ASSERT_TRUE(db->Exec("UPDATE incoming SET reason = (SELECT reason FROM incoming WHERE id = "
                         "'c2') WHERE id = 'c3'")
                    .ok());
  }
  auto store = FollowupStore::Open(path, key.get());
  ASSERT_TRUE(store.ok());
  auto found = (*store)->FindIncoming("c3");
  EXPECT_TRUE(absl::IsDataLoss(found.status())) << found.status();
  EXPECT_EQ(found.status().message().find("Olena"), std::string::npos);
  EXPECT_TRUE((*store)->FindIncoming("c2").ok());
}

TEST(SealedFollowupStoreTest, AClearStoreIsSealedWhenFirstOpenedWithTheKey) {
  const std::string path = FreshDb("sealed-followup");
  { Fill(**FollowupStore::Open(path)); }
  ASSERT_NE(DbBytes(path).find("Tetiana"), std::string::npos);
  auto key = crypto::SealingKey::Generate();
  {
    auto store = FollowupStore::Open(path, key.get());
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ((*(*store)->FindOutgoing("c1"))->reason, "Tetiana Kovalenko, seen at Odesa port");
    EXPECT_EQ((*(*store)->FindIncoming("c2"))->reply, "call inspector Moreau");
    EXPECT_EQ((*(*store)->FindHit("ngo", "h9"))->officer, "inspector.moreau@police.example");
  }
  const std::string bytes = DbBytes(path);
  for (const char* v : {"Tetiana", "Olena", "Moreau"}) {
    EXPECT_EQ(bytes.find(v), std::string::npos) << v;
  }
}

}  // namespace
}  // namespace fedlink::followup
