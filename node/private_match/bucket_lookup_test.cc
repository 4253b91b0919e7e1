#include "node/private_match/bucket_lookup.h"

#include <sodium.h>

#include <cstring>
#include <random>
#include <set>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::private_match {
namespace {

// A table of `slots` slots of `keys` entries with random tags.
Table RandomTable(size_t slots, size_t keys, uint32_t seed) {
  std::mt19937_64 rng(seed);
  Table table;
  table.table_id = "police|victim-dedup|1|0|k2";
  table.t = 2;
  for (size_t s = 0; s < slots; ++s) {
    Slot slot;
    slot.id = s + 1;
    slot.entries.resize(keys * kEntrySize);
    for (size_t i = 0; i < keys; ++i) {
      const uint64_t tag = rng();
      std::memcpy(slot.entries.data() + i * kEntrySize, &tag, kTagSize);
    }
    slot.sealed_payload = std::string(40, 'p');
    table.slots.push_back(std::move(slot));
  }
  return table;
}

uint64_t TagOfBytes(const unsigned char (&b)[8]) {
  uint64_t tag;
  std::memcpy(&tag, b, 8);
  return tag;
}

TEST(BucketLookupTest, PrefixIsTheFirstBitsOfTheTagBytes) {
  const unsigned char bytes[8] = {0xAB, 0xCD, 0xEF, 0x12, 0x34, 0x56, 0x78, 0x9A};
  const uint64_t tag = TagOfBytes(bytes);
  EXPECT_EQ(TagPrefix(tag, 0), 0u);
  EXPECT_EQ(TagPrefix(tag, 4), 0xAu);
  EXPECT_EQ(TagPrefix(tag, 8), 0xABu);
  EXPECT_EQ(TagPrefix(tag, 12), 0xABCu);
  EXPECT_EQ(TagPrefix(tag, 24), 0xABCDEFu);
}

TEST(BucketLookupTest, ChosenLengthLeavesNoBucketBelowTheMinimumAndIsTheLongest) {
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    const Table table = RandomTable(500 * seed, 10, seed);
    for (uint32_t min : {10u, 50u, 200u}) {
      auto bits = ChoosePrefixBits(table, min);
      ASSERT_TRUE(bits.ok()) << bits.status();
      // Count the distinct slots of every bucket at this length and the next.
      for (int b : {*bits, *bits + 1}) {
        std::vector<std::set<size_t>> buckets(size_t{1} << b);
        for (size_t s = 0; s < table.slots.size(); ++s) {
          for (size_t i = 0; i < table.slots[s].key_count(); ++i) {
            uint64_t tag;
            std::memcpy(&tag, table.slots[s].entries.data() + i * kEntrySize, kTagSize);
            buckets[TagPrefix(tag, b)].insert(s);
          }
        }
        size_t smallest = SIZE_MAX;
        for (const auto& bucket : buckets) smallest = std::min(smallest, bucket.size());
        if (b == *bits) {
          EXPECT_GE(smallest, min) << "seed " << seed << " min " << min;
        } else {
          EXPECT_LT(smallest, min) << "a longer prefix would do: seed " << seed;
        }
      }
    }
  }
}

TEST(BucketLookupTest, TableSmallerThanTheMinimumIsNotServedInBuckets) {
  const Table table = RandomTable(9, 1, 7);
  EXPECT_EQ(ChoosePrefixBits(table, 10).status().code(), absl::StatusCode::kFailedPrecondition);
  auto whole = ChoosePrefixBits(table, 9);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, 0);  // one bucket: the whole table
}

TEST(BucketLookupTest, SelectsEverySlotWithAnEntryInTheBucketsAndOnlyThose) {
  const Table table = RandomTable(2000, 12, 3);
  auto bits = ChoosePrefixBits(table, 20);
  ASSERT_TRUE(bits.ok());
  const uint32_t wanted[] = {0, 5, 5, 1};  // a repeat is served once
  Table out;
  ASSERT_TRUE(SelectBuckets(table, *bits, wanted, 20, &out).ok());
  EXPECT_EQ(out.table_id, table.table_id);
  std::set<uint64_t> ids;
  for (const Slot& s : out.slots) {
    EXPECT_TRUE(ids.insert(s.id).second) << "slot served twice";
    EXPECT_EQ(s.sealed_payload, table.slots[s.id - 1].sealed_payload);
    // Only the slot's entries in the wanted buckets, each as in the table.
    size_t in_buckets = 0;
    const Slot& whole = table.slots[s.id - 1];
    for (size_t i = 0; i < whole.key_count(); ++i) {
      uint64_t tag;
      std::memcpy(&tag, whole.entries.data() + i * kEntrySize, kTagSize);
      const uint32_t p = TagPrefix(tag, *bits);
      if (p != 0 && p != 5 && p != 1) continue;
      EXPECT_NE(s.entries.find(whole.entries.substr(i * kEntrySize, kEntrySize)),
                std::string::npos);
      ++in_buckets;
    }
    EXPECT_EQ(s.key_count(), in_buckets);
  }
  for (const Slot& s : table.slots) {
    bool in = false;
    for (size_t i = 0; i < s.key_count(); ++i) {
      uint64_t tag;
      std::memcpy(&tag, s.entries.data() + i * kEntrySize, kTagSize);
      const uint32_t p = TagPrefix(tag, *bits);
      in = in || p == 0 || p == 5 || p == 1;
    }
    EXPECT_EQ(in, ids.count(s.id) == 1) << "slot " << s.id;
  }
}

TEST(BucketLookupTest, RefusesASmallBucketAndAPrefixOutOfRange) {
  const Table table = RandomTable(2000, 12, 4);
  auto bits = ChoosePrefixBits(table, 20);
  ASSERT_TRUE(bits.ok());
  Table out;
  out.table_id = "untouched";
  // At a much longer prefix, buckets are tiny: refused, nothing written.
  const uint32_t tiny[] = {0};
  EXPECT_EQ(SelectBuckets(table, *bits + 6, tiny, 20, &out).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(out.table_id, "untouched");
  EXPECT_TRUE(out.slots.empty());
  const uint32_t too_big[] = {uint32_t{1} << *bits};
  EXPECT_EQ(SelectBuckets(table, *bits, too_big, 20, &out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SelectBuckets(table, kMaxPrefixBits + 1, tiny, 20, &out).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(BucketLookupTest, PrefixesOfTagsAreSortedAndUnique) {
  const unsigned char a[8] = {0x10, 0, 0, 0, 0, 0, 0, 1}, b[8] = {0x10, 0, 0, 0, 0, 0, 0, 2},
                      c[8] = {0x01, 0, 0, 0, 0, 0, 0, 3};
  const uint64_t tags[] = {TagOfBytes(a), TagOfBytes(b), TagOfBytes(c)};
  EXPECT_THAT(PrefixesOf(tags, 8), ::testing::ElementsAre(0x01u, 0x10u));
}

// docs/leakage.md "Bucket lookups": the minimum holds per bucket, not per
// lookup. The responder knows every tag of its own records; the record a
// lookup agrees with on t = 2 keys has two or more of its tags in the asked
// buckets, which almost no other record has on a large table. If a change
// ever hides this, the leakage statement must change with it.
TEST(BucketLookupTest, OnALargeTableTheAskedBucketsPointAtTheRecordTheLookupAgreesWith) {
  constexpr size_t kSlots = 100000;
  constexpr size_t kKeys = 12;
  const Table table = RandomTable(kSlots, kKeys, 7);
  auto bits = ChoosePrefixBits(table, 10);
  ASSERT_TRUE(bits.ok()) << bits.status();
  ASSERT_GE(*bits, 12);
  std::mt19937_64 rng(8);
  const size_t target = 4242;
  // The intake: two keys agree with the target record, ten do not.
  std::vector<uint64_t> tags;
  for (size_t i = 0; i < 2; ++i) {
    uint64_t tag;
    std::memcpy(&tag, table.slots[target].entries.data() + i * kEntrySize, kTagSize);
    tags.push_back(tag);
  }
  for (size_t i = 2; i < kKeys; ++i) tags.push_back(rng());
  const std::vector<uint32_t> asked = PrefixesOf(tags, *bits);
  const std::set<uint32_t> asked_set(asked.begin(), asked.end());
  // The responder's side: its records with two or more tags in the asked buckets.
  std::vector<size_t> suspects;
  for (size_t s = 0; s < table.slots.size(); ++s) {
    int in_asked = 0;
    for (size_t i = 0; i < kKeys; ++i) {
      uint64_t tag;
      std::memcpy(&tag, table.slots[s].entries.data() + i * kEntrySize, kTagSize);
      in_asked += asked_set.count(TagPrefix(tag, *bits));
    }
    if (in_asked >= 2) suspects.push_back(s);
  }
  EXPECT_THAT(suspects, ::testing::Contains(target));
  // Each bucket holds at least 10 records; the lookup narrows to a handful.
  EXPECT_LE(suspects.size(), 5u) << "prefix bits " << *bits;
}

}  // namespace
}  // namespace fedlink::private_match
