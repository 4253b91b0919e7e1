#include "node/match/linker.h"

#include <map>

#include "gtest/gtest.h"
#include "node/match/evaluation.h"
#include "node/match/generator.h"

namespace fedlink::match {
namespace {

std::vector<KeySet> Keys(const std::vector<record::Person>& persons) {
  std::vector<KeySet> out;
  for (const record::Person& p : persons) out.push_back(keyspec::DeriveKeys(p, {}));
  return out;
}

TEST(LinkerTest, LinksGeneratedDataWithHighQuality) {
  GeneratorOptions o;
  o.persons = 3000;
  o.overlap = 0.4;
  GeneratedData d = GeneratePeople(o);
  std::vector<KeySet> a = Keys(d.a), b = Keys(d.b);
  Scorer scorer;
  scorer.EstimateU(a, b);
  std::vector<CandidatePair> candidates = FindCandidates(a, b, {});
  std::vector<uint32_t> patterns;
  for (const auto& c : candidates) patterns.push_back(c.pattern);
  scorer.RefineM(patterns);
  std::set<IdPair> predicted;
  for (const auto& c : BestPerB(ScoreAndFilter(candidates, scorer))) {
    predicted.emplace(d.a[c.a].external_id, d.b[c.b].external_id);
  }
  std::set<IdPair> truth(d.truth.begin(), d.truth.end());
  Quality q = Evaluate(predicted, truth);
  // A quality floor a little under what docs/linkage.md reports.
  EXPECT_GT(q.precision(), 0.9) << q.Line();
  EXPECT_GT(q.recall(), 0.85) << q.Line();
}

TEST(LinkerTest, DedupModeReportsEachPairOnceAndNeverSelfPairs) {
  GeneratorOptions o;
  o.persons = 500;
  GeneratedData d = GeneratePeople(o);
  std::vector<record::Person> both = d.a;
  both.insert(both.end(), d.b.begin(), d.b.end());
  std::vector<KeySet> keys = Keys(both);
  auto candidates = FindCandidates(keys, keys, {});
  for (const auto& c : candidates) EXPECT_LT(c.a, c.b);
  Scorer scorer;
  scorer.EstimateU(keys, keys);
  auto matches = ScoreAndFilter(candidates, scorer);
  std::map<std::string, std::string> truth(d.truth.begin(), d.truth.end());
  size_t hits = 0;
  for (const auto& c : matches) {
    auto it = truth.find(both[c.a].external_id);
    if (it != truth.end() && it->second == both[c.b].external_id) ++hits;
  }
  EXPECT_GT(hits, truth.size() * 8 / 10);
}

TEST(LinkerTest, ThresholdAndMinimumKeysAreEnforced) {
  Scorer scorer;
  CandidatePair one_key{0, 1, 1u << static_cast<int>(keyspec::KeyType::kPhone), 1, 0};
  scorer.threshold = 0;
  scorer.min_agreeing_keys = 2;
  EXPECT_TRUE(ScoreAndFilter({one_key}, scorer).empty());
  scorer.min_agreeing_keys = 1;
  EXPECT_EQ(ScoreAndFilter({one_key}, scorer).size(), 1u);
  scorer.threshold = 1000;
  EXPECT_TRUE(ScoreAndFilter({one_key}, scorer).empty());
}

TEST(EvaluationTest, ComputesPrecisionRecallF1) {
  std::set<IdPair> truth = {{"a1", "b1"}, {"a2", "b2"}, {"a3", "b3"}, {"a4", "b4"}};
  std::set<IdPair> predicted = {{"a1", "b1"}, {"a2", "b2"}, {"a3", "b9"}};
  Quality q = Evaluate(predicted, truth);
  EXPECT_DOUBLE_EQ(q.precision(), 2.0 / 3);
  EXPECT_DOUBLE_EQ(q.recall(), 0.5);
  EXPECT_NEAR(q.f1(), 4.0 / 7, 1e-12);
  EXPECT_EQ(q.Line(), "precision=0.6667 recall=0.5000 f1=0.5714");
}

// Dedup at a million records: pairs below t agreeing groups are counted,
// not kept, and what is kept and counted is what the full search gives.
TEST(LinkerTest, AHistogramCountsEveryCandidateAndOnlyPairsReachingTheGroupsAreKept) {
  GeneratorOptions o;
  o.persons = 800;
  o.overlap = 0.4;
  GeneratedData d = GeneratePeople(o);
  std::vector<KeySet> a = Keys(d.a), b = Keys(d.b);
  const std::vector<CandidatePair> every = FindCandidates(a, b, {});
  PatternHistogram histogram;
  LinkOptions options;
  options.histogram = &histogram;
  options.keep_from_groups = 2;
  const std::vector<CandidatePair> kept = FindCandidates(a, b, options);
  PatternHistogram expected;
  std::vector<CandidatePair> reaching;
  for (const CandidatePair& c : every) {
    expected[c.pattern] += 1;
    if (keyspec::AgreeingGroups(c.pattern) >= 2) reaching.push_back(c);
  }
  EXPECT_EQ(histogram, expected);
  ASSERT_LT(kept.size(), every.size());  // some pairs were below t
  ASSERT_EQ(kept.size(), reaching.size());
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_EQ(kept[i].a, reaching[i].a);
    EXPECT_EQ(kept[i].b, reaching[i].b);
    EXPECT_EQ(kept[i].pattern, reaching[i].pattern);
  }
  // The EM from the counts is the EM from the patterns.
  std::vector<uint32_t> patterns;
  for (const CandidatePair& c : every) patterns.push_back(c.pattern);
  Scorer from_patterns, from_histogram;
  from_patterns.EstimateU(a, b);
  from_histogram.EstimateU(a, b);
  from_patterns.RefineM(patterns);
  from_histogram.RefineM(histogram);
  for (const auto& info : keyspec::Catalogue()) {
    EXPECT_NEAR(from_patterns.m(info.type), from_histogram.m(info.type), 1e-9) << info.name;
  }
}

}  // namespace
}  // namespace fedlink::match
