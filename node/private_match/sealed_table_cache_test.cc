// Peers' tables cached under the node's data key: read back with the key,
// refused when moved to another peer's name, altered or under another key,
// and refused without the key.
#include <filesystem>

#include "crypto/aead.h"
#include "gtest/gtest.h"
#include "node/common/whole_file.h"
#include "node/private_match/table_cache.h"

namespace fedlink::private_match {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

Table SomeTable(absl::string_view peer) {
  Table t;
  t.table_id = absl::StrCat(TableIdPrefix(peer, "victim-dedup", EpochAt(kNow, 7)), "g0");
  t.t = 2;
  // A payload at least as long as a sealing's overhead (else it is no table).
  t.slots.push_back({7, std::string(24, 'E'), "payload-sealed-by-the-peer, forty bytes at least"});
  return t;
}

TEST(SealedTableCacheTest, ATableReadsBackOnlyWithTheKeyAndUnderItsOwnName) {
  const std::string dir = ::testing::TempDir() + "/sealed-cache";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto key = crypto::SealingKey::Generate();
  const TableCache cache(dir, key.get());
  ASSERT_TRUE(cache.Put("police", "victim-dedup", SomeTable("police"), kNow).ok());
  ASSERT_TRUE(cache.Put("shelter", "victim-dedup", SomeTable("shelter"), kNow).ok());
  auto got = cache.Get("police", "victim-dedup", kNow, absl::Hours(1));
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->table.slots.size(), 1u);
  const std::string police = dir + "/cache/police~victim-dedup.table";
  const std::string shelter = dir + "/cache/shelter~victim-dedup.table";
  const std::string bytes = *common::ReadWholeFile(police);
  EXPECT_EQ(bytes.find("payload-sealed-by-the-peer"), std::string::npos);
  EXPECT_EQ(bytes.find("EEEEEEEE"), std::string::npos);

  EXPECT_TRUE(absl::IsFailedPrecondition(
      TableCache(dir).Get("police", "victim-dedup", kNow, absl::Hours(1)).status()));
  auto other = crypto::SealingKey::Generate();
  EXPECT_TRUE(absl::IsDataLoss(
      TableCache(dir, other.get()).Get("police", "victim-dedup", kNow, absl::Hours(1)).status()));
  std::filesystem::copy_file(police, shelter, std::filesystem::copy_options::overwrite_existing);
  EXPECT_TRUE(
      absl::IsDataLoss(cache.Get("shelter", "victim-dedup", kNow, absl::Hours(1)).status()));
  std::string flipped = bytes;
  flipped[flipped.size() - 3] ^= 1;
  ASSERT_TRUE(common::WriteFileAtomically(police, flipped).ok());
  EXPECT_TRUE(absl::IsDataLoss(cache.Get("police", "victim-dedup", kNow, absl::Hours(1)).status()));
  // A table cached in the clear (before the node was converted) is refetched.
  ASSERT_TRUE(TableCache(dir).Put("police", "victim-dedup", SomeTable("police"), kNow).ok());
  auto clear = cache.Get("police", "victim-dedup", kNow, absl::Hours(1));
  ASSERT_TRUE(clear.ok()) << clear.status();
  EXPECT_FALSE(clear->has_value());
}

}  // namespace
}  // namespace fedlink::private_match
