#include "node/match/key_blocks.h"

#include <vector>

#include "gtest/gtest.h"
#include "node/match/generator.h"

namespace fedlink::match {
namespace {

// A file with duplicates inside it: A's people plus B's corrupted copies of
// some of them, as `fedlink dedup` sees a store.
std::vector<KeySet> KeysWithDuplicates(int persons, uint64_t seed) {
  GeneratorOptions o;
  o.persons = persons;
  o.overlap = 0.3;
  o.seed = seed;
  GeneratedData d = GeneratePeople(o);
  std::vector<KeySet> out;
  for (const record::Person& p : d.a) out.push_back(keyspec::DeriveKeys(p, {}));
  for (const record::Person& p : d.b) out.push_back(keyspec::DeriveKeys(p, {}));
  return out;
}

KeyBlocks BlocksOf(const std::vector<KeySet>& keys) {
  KeyBlocks blocks;
  for (const KeySet& k : keys) blocks.Add(k);
  blocks.Finish();
  return blocks;
}

void ExpectSamePairs(const std::vector<CandidatePair>& x, const std::vector<CandidatePair>& y) {
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_EQ(x[i].a, y[i].a) << i;
    ASSERT_EQ(x[i].b, y[i].b) << i;
    ASSERT_EQ(x[i].pattern, y[i].pattern) << i;
    ASSERT_EQ(x[i].agreeing_keys, y[i].agreeing_keys) << i;
  }
}

TEST(KeyBlocksTest, CandidatesAreThoseOfTheKeySets) {
  const std::vector<KeySet> keys = KeysWithDuplicates(1500, 7);
  const KeyBlocks blocks = BlocksOf(keys);
  ASSERT_EQ(blocks.records(), keys.size());
  for (size_t max_block : {size_t{3}, size_t{1000}}) {
    LinkOptions options;
    options.max_block = max_block;
    options.threads = 3;
    std::vector<CandidatePair> expected = FindCandidates(keys, keys, options);
    ASSERT_GT(expected.size(), 1000u);
    ExpectSamePairs(FindDuplicateCandidates(blocks, options), expected);
  }
}

TEST(KeyBlocksTest, HistogramAndKeptPairsAreThoseOfTheKeySets) {
  const std::vector<KeySet> keys = KeysWithDuplicates(1500, 11);
  const KeyBlocks blocks = BlocksOf(keys);
  PatternHistogram want, got;
  LinkOptions options;
  options.keep_from_groups = 2;
  options.histogram = &want;
  std::vector<CandidatePair> expected = FindCandidates(keys, keys, options);
  options.histogram = &got;
  std::vector<CandidatePair> actual = FindDuplicateCandidates(blocks, options);
  EXPECT_EQ(got, want);
  ASSERT_GT(expected.size(), 100u);
  ExpectSamePairs(actual, expected);
}

TEST(KeyBlocksTest, DedupUIsEstimateUOfTheKeySets) {
  const std::vector<KeySet> keys = KeysWithDuplicates(1000, 3);
  Scorer from_keys, from_blocks;
  from_keys.EstimateU(keys, keys);
  const KeyBlocks blocks = BlocksOf(keys);
  from_blocks.EstimateDedupU(KeyCollisions(blocks), blocks.records());
  for (int t = 0; t < keyspec::kKeyTypeCount; ++t) {
    const auto type = static_cast<keyspec::KeyType>(t);
    EXPECT_DOUBLE_EQ(from_blocks.u(type), from_keys.u(type)) << keyspec::Info(type).name;
  }
}

TEST(KeyBlocksTest, BlocksHoldTheRecordsSharingAKey) {
  KeySet one = {{keyspec::KeyType::kPhone, "fedlink/keyspec/v1|phone|+1"},
                {keyspec::KeyType::kEmail, "fedlink/keyspec/v1|email|a@x"}};
  KeySet two = {{keyspec::KeyType::kPhone, "fedlink/keyspec/v1|phone|+1"}};
  KeySet three = {{keyspec::KeyType::kEmail, "fedlink/keyspec/v1|email|b@x"}};
  const KeyBlocks blocks = BlocksOf({one, two, three, {}});
  EXPECT_EQ(blocks.records(), 4u);
  EXPECT_EQ(blocks.blocks(), 3u);
  EXPECT_TRUE(blocks.BlocksOf(3).empty());
  ASSERT_EQ(blocks.BlocksOf(1).size(), 1u);
  const uint32_t phone = blocks.BlocksOf(1)[0];
  EXPECT_EQ(blocks.TypeOf(phone), keyspec::KeyType::kPhone);
  EXPECT_EQ(std::vector<uint32_t>(blocks.Members(phone).begin(), blocks.Members(phone).end()),
            (std::vector<uint32_t>{0, 1}));
  const std::vector<CandidatePair> pairs = FindDuplicateCandidates(blocks, {});
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].a, 0u);
  EXPECT_EQ(pairs[0].b, 1u);
}

}  // namespace
}  // namespace fedlink::match
