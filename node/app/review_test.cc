// The review queue through the match use case: borderline pairs are queued
// once, decisions are remembered and change what later matches report, and
// every decision is in the access log under its official.
#include "node/app/review.h"

#include "gtest/gtest.h"
#include "node/app/audit.h"
#include "node/app/audit_review.h"
#include "node/app/match.h"
#include "node/app/test_app_federation.h"

namespace fedlink::app {
namespace {

using testing::Victim;

class ReviewTest : public testing::PoliceAndNgoTest {
 protected:
  void SetUp() override {
    fed_.Add("police", {Victim("P-3", "Iuliia", "Shevchenko", "1994-03-07", "")});
    fed_.Add("ngo", {Victim("N-1", "Iuliia", "Shevchenko", "1994-03-07", "")});
    fed_.Serve("police");
  }
  // A match whose threshold is far above any score, with a review margin
  // wider still: the one pair is borderline.
  absl::StatusOr<MatchReport> BorderlineMatch(bool one_to_one = false) {
    MatchRequest match;
    match.purpose = "victim-dedup";
    match.peer = "police";
    match.options.threshold = 500;
    match.options.review_margin = 1000;
    match.one_to_one = one_to_one;
    return MatchOwnRecords(fed_.node("ngo"), match);
  }
  std::vector<std::string> ReviewEvents() {
    std::vector<std::string> out;
    auto exported = ExportAuditLog(fed_.node("ngo"));
    EXPECT_TRUE(exported.ok()) << exported.status();
    auto entries = VerifiedEntries(exported->bytes);
    EXPECT_TRUE(entries.ok()) << entries.status();
    if (!entries.ok()) return out;
    for (const ExportedEntry& e : *entries) {
      if (e.event.rfind("review.", 0) == 0) out.push_back(e.event + " " + e.official);
    }
    return out;
  }
};

TEST_F(ReviewTest, BorderlinePairIsQueuedOnceNotReported) {
  auto first = BorderlineMatch();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->matches.empty());
  EXPECT_EQ(first->queued, 1u);
  auto second = BorderlineMatch();
  ASSERT_TRUE(second.ok()) << second.status();
  auto items = ListReview(fed_.node("ngo"), true);
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 1u);  // not asked again
  const followup::ReviewItem& item = (*items)[0];
  EXPECT_EQ(item.peer, "police");
  EXPECT_EQ(item.own_id, "N-1");
  EXPECT_LT(item.score, item.threshold);
  EXPECT_GE(match::keyspec::AgreeingGroups(item.pattern), 2);
  EXPECT_FALSE(item.keys.empty());
  // Without a review margin nothing is queued.
  MatchRequest plain;
  plain.purpose = "victim-dedup";
  plain.peer = "police";
  plain.options.threshold = 500;
  auto none = MatchOwnRecords(fed_.node("ngo"), plain);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->queued, 0u);
  EXPECT_TRUE(none->matches.empty());
}

TEST_F(ReviewTest, AcceptedPairIsReportedAndTheDecisionIsLogged) {
  ASSERT_TRUE(BorderlineMatch().ok());
  auto items = ListReview(fed_.node("ngo"), true);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 1u);
  // The official is required.
  EXPECT_EQ(DecideReview(fed_.node("ngo"), {(*items)[0].id, true, {}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto decided = DecideReview(fed_.node("ngo"), {(*items)[0].id, true, {"officer-7", "CASE-1"}});
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_EQ(decided->status, followup::ReviewStatus::kAccepted);
  EXPECT_EQ(
      DecideReview(fed_.node("ngo"), {(*items)[0].id, false, {"officer-8", ""}}).status().code(),
      absl::StatusCode::kFailedPrecondition);
  auto again = BorderlineMatch();
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->matches.size(), 1u);
  EXPECT_TRUE(again->matches[0].reviewed);
  EXPECT_EQ(again->matches[0].own_id, "N-1");
  EXPECT_DOUBLE_EQ(again->matches[0].threshold, 500);
  EXPECT_EQ(again->queued, 0u);
  EXPECT_TRUE(ListReview(fed_.node("ngo"), true)->empty());
  const std::vector<std::string> events = ReviewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], "review.accept officer-7");
}

TEST_F(ReviewTest, RejectedPairIsLeftOutEvenAboveTheThreshold) {
  ASSERT_TRUE(BorderlineMatch().ok());
  auto items = ListReview(fed_.node("ngo"), true);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 1u);
  ASSERT_TRUE(DecideReview(fed_.node("ngo"), {(*items)[0].id, false, {"officer-7", ""}}).ok());
  // At the default threshold the pair is a clear match, but it was rejected.
  MatchRequest match;
  match.purpose = "victim-dedup";
  match.peer = "police";
  auto report = MatchOwnRecords(fed_.node("ngo"), match);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->matches.empty());
  EXPECT_EQ(report->rejected, 1u);
  const std::vector<std::string> events = ReviewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], "review.reject officer-7");
  // The decision is the labelled sample.
  auto all = ListReview(fed_.node("ngo"), false);
  ASSERT_TRUE(all.ok());
  const std::vector<match::LabelledPattern> labels = LabelledPatterns(*all);
  ASSERT_EQ(labels.size(), 1u);
  EXPECT_FALSE(labels[0].match);
  EXPECT_EQ(labels[0].pattern, (*all)[0].pattern);
}

TEST_F(ReviewTest, MatchOutputCarriesTheThreshold) {
  MatchRequest match;
  match.purpose = "victim-dedup";
  match.peer = "police";
  auto report = MatchOwnRecords(fed_.node("ngo"), match);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->matches.size(), 1u);
  EXPECT_GT(report->matches[0].threshold, 0);
  EXPECT_GE(report->matches[0].score, report->matches[0].threshold);
  EXPECT_FALSE(report->matches[0].reviewed);
}

}  // namespace
}  // namespace fedlink::app
