// The match, lookup and resolve use cases against real peers over mutual TLS.
#include "node/app/match.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/test_app_federation.h"
#include "node/private_match/responder.h"

namespace fedlink::app {
namespace {

using testing::AnaPopescu;
using ::testing::HasSubstr;
using testing::MariaIvanova;
using testing::Victim;

class MatchTest : public testing::PoliceAndNgoTest {
 protected:
  void SetUp() override {
    fed_.Add("police", {MariaIvanova("P-1"), AnaPopescu("P-2"),
                        Victim("P-3", "Iuliia", "Shevchenko", "1994-03-07", "")});
    fed_.Serve("police");
  }
  MatchRequest Request() {
    MatchRequest r;
    r.purpose = "victim-dedup";
    r.peer = "police";
    return r;
  }
};

TEST_F(MatchTest, FindsTheSharedSurvivorAndRecordsTheHit) {
  record::Person withheld = AnaPopescu("N-2");
  withheld.consent.clear();  // no consent: never used as a query
  fed_.Add("ngo",
           {MariaIvanova("N-1"), withheld, Victim("N-3", "Olga", "Kuznetsova", "1979-11-02", "")});
  auto report = MatchOwnRecords(fed_.node("ngo"), Request());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->records, 3u);
  EXPECT_EQ(report->queries, 2u);
  EXPECT_EQ(report->withheld, 1u);
  ASSERT_EQ(report->peers.size(), 1u);
  EXPECT_TRUE(report->peers[0].status.ok()) << report->peers[0].status;
  EXPECT_EQ(report->peers[0].source, TableSource::kFetched);
  EXPECT_EQ(report->failed_peers(), 0u);
  ASSERT_EQ(report->matches.size(), 1u);
  EXPECT_EQ(report->matches[0].own_id, "N-1");
  EXPECT_EQ(report->matches[0].peer, "police");
  EXPECT_EQ(report->matches[0].role, "victim");

  // The handle resolves, on the owner only, to the owner's record.
  auto resolved = ResolveHandle(fed_.node("police"), report->matches[0].handle);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(*resolved, "P-1");
  // The hit is kept for follow-up.
  auto hits = (*fed_.node("ngo").Followups())->HitsFor("N-1");
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(hits->size(), 1u);

  // A second run uses the cached table.
  auto again = MatchOwnRecords(fed_.node("ngo"), Request());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->peers[0].source, TableSource::kCached);
  EXPECT_EQ(again->matches.size(), 1u);
}

TEST_F(MatchTest, ATableThePeerReKeyedIsRefetchedOnceByType) {
  fed_.Add("ngo", {MariaIvanova("N-1")});
  ASSERT_TRUE(MatchOwnRecords(fed_.node("ngo"), Request()).ok());
  // Police re-keys (as a deletion or a withdrawal does): the cached table
  // can no longer match, and the first evaluation says so.
  ASSERT_TRUE(private_match::Keyring::Rekey(fed_.node("police").paths()).ok());
  MatchRequest request = Request();
  request.options.max_table_age = absl::Hours(1);  // the cached table looks fresh
  auto report = MatchOwnRecords(fed_.node("ngo"), request);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->peers[0].status.ok()) << report->peers[0].status;
  EXPECT_EQ(report->peers[0].source, TableSource::kFetched);
  EXPECT_THAT(report->peers[0].notes,
              ::testing::Contains(HasSubstr("cached table is stale, refetching")));
  EXPECT_EQ(report->matches.size(), 1u);
}

TEST_F(MatchTest, APeerThatIsDownFailsAloneAndIsReported) {
  fed_.Add("ngo", {MariaIvanova("N-1")});
  fed_.StopServing("police");
  auto report = MatchOwnRecords(fed_.node("ngo"), Request());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->failed_peers(), 1u);
  EXPECT_FALSE(report->peers[0].status.ok());
  EXPECT_TRUE(report->matches.empty());
}

TEST_F(MatchTest, RefusesBadRequestsBeforeAskingAnyone) {
  MatchRequest undeclared = Request();
  undeclared.purpose = "marketing";
  EXPECT_THAT(MatchOwnRecords(fed_.node("ngo"), undeclared).status().message(),
              HasSubstr("not declared"));
  MatchRequest stranger = Request();
  stranger.peer = "nobody";
  EXPECT_TRUE(absl::IsInvalidArgument(MatchOwnRecords(fed_.node("ngo"), stranger).status()));
  MatchRequest both = Request();
  both.all = true;
  EXPECT_TRUE(absl::IsInvalidArgument(MatchOwnRecords(fed_.node("ngo"), both).status()));
  MatchRequest no_purpose = Request();
  no_purpose.purpose.clear();
  EXPECT_TRUE(absl::IsInvalidArgument(MatchOwnRecords(fed_.node("ngo"), no_purpose).status()));
}

TEST_F(MatchTest, LookupFindsOneIntakeAtEveryPeer) {
  LookupRequest request;
  request.purpose = "victim-dedup";
  request.intake = Victim("intake", "Iuliia", "Shevchenko", "1994-03-07", "");
  request.intake.phones = {"not a phone"};
  auto report = Lookup(fed_.node("ngo"), request);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->unusable_selectors, 1u);
  EXPECT_EQ(report->failed_peers(), 0u);
  ASSERT_EQ(report->candidates.size(), 1u);
  EXPECT_EQ(report->candidates[0].peer, "police");
  EXPECT_EQ(*ResolveHandle(fed_.node("police"), report->candidates[0].handle), "P-3");

  // Nothing to look up with.
  LookupRequest empty;
  empty.purpose = "victim-dedup";
  EXPECT_THAT(Lookup(fed_.node("ngo"), empty).status().message(),
              HasSubstr("give at least a name"));
}

TEST_F(MatchTest, AnUnknownHandleDoesNotResolve) {
  EXPECT_FALSE(ResolveHandle(fed_.node("police"), "h0000").ok());
  EXPECT_TRUE(absl::IsInvalidArgument(ResolveHandle(fed_.node("police"), "").status()));
}

}  // namespace
}  // namespace fedlink::app
