#include "node/match/pattern_model.h"

#include <algorithm>
#include <cmath>

#include "gtest/gtest.h"
#include "node/match/keyspec.h"
#include "node/match/linker.h"
#include "node/match/scorer.h"

namespace fedlink::match {
namespace {

using keyspec::KeyType;

uint32_t Bits(std::initializer_list<KeyType> types) {
  uint32_t p = 0;
  for (KeyType t : types) p |= 1u << static_cast<int>(t);
  return p;
}

// Synthetic candidates: matches agree on the nested name keys with the date
// and often a phone; non-matches (namesakes) agree on the name words alone,
// nested keys included, and rarely on anything else.
std::vector<uint32_t> Candidates(size_t matches, size_t others) {
  const uint32_t names = Bits({KeyType::kNameWords, KeyType::kNameWordsPhonetic});
  const uint32_t dated =
      names | Bits({KeyType::kNameWordsDate, KeyType::kNameWordsPhoneticDate,
                    KeyType::kNameWordsNearDate, KeyType::kGivenDate, KeyType::kFamilyDate});
  std::vector<uint32_t> out;
  for (size_t i = 0; i < matches; ++i) {
    uint32_t p = dated;
    if (i % 3 != 0) p |= Bits({KeyType::kPhone});
    if (i % 7 == 0) p &= ~Bits({KeyType::kNameWords, KeyType::kNameWordsDate});  // a typo
    out.push_back(p);
  }
  for (size_t i = 0; i < others; ++i) {
    uint32_t p = (i % 2 == 0) ? names : Bits({KeyType::kNameWordsPhonetic});
    if (i % 50 == 0) p |= Bits({KeyType::kAddress});
    out.push_back(p);
  }
  return out;
}

TEST(PatternModelTest, SeparatesMatchesFromNamesakesWithoutLabels) {
  const std::vector<uint32_t> c = Candidates(300, 3000);
  Scorer scorer;
  scorer.scoring = Scoring::kPatterns;
  scorer.threshold = DefaultThreshold(1000);
  scorer.RefineM(c);
  scorer.FitPatterns(c, 1000.0 * 1000.0);
  ASSERT_NE(scorer.pattern_model(), nullptr);
  const PatternModel& m = *scorer.pattern_model();
  EXPECT_NEAR(m.match_prior(), 300.0 / 3300, 0.02);
  const double match = m.Score(c[1]), typo = m.Score(c[7]), namesake = m.Score(c[300]);
  EXPECT_GT(match, DefaultThreshold(1000)) << m.Describe();
  EXPECT_GT(typo, DefaultThreshold(1000)) << m.Describe();
  EXPECT_LT(namesake, DefaultThreshold(1000)) << m.Describe();
  EXPECT_GT(match, typo);
}

TEST(PatternModelTest, HybridTakesMFromTheModelAndUFromValueFrequencies) {
  const std::vector<uint32_t> c = Candidates(300, 3000);
  Scorer scorer;
  scorer.threshold = DefaultThreshold(1000);
  scorer.RefineM(c);
  // Unfitted: the hybrid score is the independent one.
  EXPECT_DOUBLE_EQ(scorer.HybridScore(c[1]), scorer.IndependentScore(c[1]));
  scorer.FitPatterns(c, 1000.0 * 1000.0);
  ASSERT_NE(scorer.pattern_model(), nullptr);
  scorer.scoring = Scoring::kHybrid;
  // By definition: log2 P(x | match) minus, per key group, log2 of the
  // rarest agreeing type's u.
  const uint32_t phone_and_names = c[1];
  const double names_u =
      std::min({scorer.u(KeyType::kNameWords), scorer.u(KeyType::kNameWordsPhonetic),
                scorer.u(KeyType::kNameWordsNearDate)});
  const double dated_u =
      std::min(scorer.u(KeyType::kNameWordsDate), scorer.u(KeyType::kNameWordsPhoneticDate));
  const double expected = scorer.pattern_model()->MatchLog2(phone_and_names) -
                          std::log2(scorer.u(KeyType::kPhone)) - std::log2(names_u) -
                          std::log2(dated_u) - std::log2(scorer.u(KeyType::kGivenDate)) -
                          std::log2(scorer.u(KeyType::kFamilyDate));
  EXPECT_NEAR(scorer.Score(phone_and_names), expected, 1e-9);
  // It separates matches from namesakes like the other scorings.
  EXPECT_GT(scorer.Score(c[1]), scorer.threshold);
  EXPECT_LT(scorer.Score(c[300]), scorer.threshold);
}

TEST(PatternModelTest, NestedKeysDoNotReachTheCap) {
  // The independent EM's failure: m of nested keys at the 0.999 cap. The
  // pattern model's P(x | match) of the full group value stays what the
  // data say (6 of 7 matches agree on every name key).
  const std::vector<uint32_t> c = Candidates(700, 3000);
  const PatternModel m =
      PatternModel::Fit(c, 1e6, [](uint32_t p) { return (p & Bits({KeyType::kGivenDate})) != 0; });
  const std::string text = m.Describe();
  EXPECT_NE(text.find("P(x|match)=0.85"), std::string::npos) << text;
}

TEST(PatternModelTest, MoreAgreementWithinAGroupIsNeverWeaker) {
  const std::vector<uint32_t> c = Candidates(300, 3000);
  const PatternModel m =
      PatternModel::Fit(c, 1e6, [](uint32_t p) { return (p & Bits({KeyType::kPhone})) != 0; });
  const uint32_t base = c[1];
  EXPECT_GE(m.Score(base | Bits({KeyType::kNameWordsDate})),
            m.Score(base & ~Bits({KeyType::kNameWordsDate})));
  // A value never seen in fitting scores as the best value it contains.
  const uint32_t unseen = Bits({KeyType::kNameWords, KeyType::kNameWordsPhonetic, KeyType::kIban});
  EXPECT_GE(m.Score(unseen), m.Score(Bits({KeyType::kNameWords, KeyType::kNameWordsPhonetic})));
}

TEST(PatternModelTest, LabelsMoveTheDecision) {
  // Namesakes with an address: unlabelled they are weak; a person accepted
  // several such pairs, so the model learns that the address group counts.
  const std::vector<uint32_t> c = Candidates(300, 3000);
  const uint32_t namesake_address =
      Bits({KeyType::kNameWords, KeyType::kNameWordsPhonetic, KeyType::kAddress});
  auto initial = [](uint32_t p) { return (p & Bits({KeyType::kGivenDate})) != 0; };
  const PatternModel plain = PatternModel::Fit(c, 1e6, initial);
  std::vector<LabelledPattern> labels(5, {namesake_address, true});
  const PatternModel taught = PatternModel::Fit(c, 1e6, initial, labels);
  EXPECT_GT(taught.Score(namesake_address), plain.Score(namesake_address) + 2)
      << plain.Describe() << taught.Describe();
  std::vector<LabelledPattern> rejected(5, {c[1], false});
  const PatternModel doubted = PatternModel::Fit(c, 1e6, initial, rejected);
  EXPECT_LT(doubted.Score(c[1]), plain.Score(c[1]));
}

TEST(PatternModelTest, UnfittedWithoutPatterns) {
  const PatternModel m =
      PatternModel::Fit(std::vector<uint32_t>{}, 1e6, [](uint32_t) { return true; });
  EXPECT_FALSE(m.fitted());
  EXPECT_FALSE(PatternModel::Fit(PatternHistogram{}, 1e6, [](uint32_t) { return true; }).fitted());
  Scorer scorer;
  scorer.FitPatterns(std::vector<uint32_t>{}, 1e6);
  scorer.FitPatterns(PatternHistogram{}, 1e6);
  EXPECT_EQ(scorer.pattern_model(), nullptr);
  const uint32_t p = Bits({KeyType::kPhone, KeyType::kEmail});
  EXPECT_DOUBLE_EQ(scorer.Score(p), scorer.IndependentScore(p));
}

TEST(LinkerTest, OneToOneKeepsTheBestPairOfEachRecord) {
  std::vector<CandidatePair> pairs = {
      {0, 0, 0, 0, 30}, {0, 1, 0, 0, 40}, {1, 1, 0, 0, 35}, {2, 2, 0, 0, 20}};
  const std::vector<CandidatePair> kept = OneToOne(pairs);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].a, 0u);  // (0,1) at 40 wins; (0,0) and (1,1) lose a side
  EXPECT_EQ(kept[0].b, 1u);
  EXPECT_EQ(kept[1].a, 2u);
}

}  // namespace
}  // namespace fedlink::match
