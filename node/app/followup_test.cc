// Contact requests and the inbox, between two real nodes over mutual TLS.
#include "node/app/followup.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/match.h"
#include "node/app/test_app_federation.h"
#include "node/followup/followup_client.h"

namespace fedlink::app {
namespace {

Decision Decide(const std::string& id, bool accept, const std::string& message = "") {
  Decision d;
  d.contact_id = id;
  d.accept = accept;
  d.message = message;
  return d;
}

using ::testing::HasSubstr;
using testing::MariaIvanova;

class FollowupTest : public testing::PoliceAndNgoTest {
 protected:
  void SetUp() override {
    fed_.Add("police", {MariaIvanova("P-1")});
    fed_.Add("ngo", {MariaIvanova("N-1")});
    fed_.Serve("police");
    fed_.Serve("ngo");
    ASSERT_NO_FATAL_FAILURE(NgoMatchesAtPolice(&handle_));
  }
  ContactRequest Request() {
    ContactRequest r;
    r.peer = "police";
    r.handle = handle_;
    r.reason = "same survivor?";
    r.actor.official = "case-worker-7";
    r.actor.legal_basis = "consent";
    return r;
  }
  std::string handle_;
};

TEST_F(FollowupTest, ARequestReachesTheOwnerAndTheAnswerComesBack) {
  auto sent = SendContactRequest(fed_.node("ngo"), Request());
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->own_id, "N-1");
  EXPECT_EQ(sent->purpose, "victim-dedup");

  auto police_inbox = ReadInbox(fed_.node("police"));
  ASSERT_TRUE(police_inbox.ok()) << police_inbox.status();
  ASSERT_EQ(police_inbox->incoming.size(), 1u);
  const followup::Contact& incoming = police_inbox->incoming[0];
  EXPECT_EQ(incoming.id, sent->id);
  EXPECT_EQ(incoming.own_id, "P-1");  // the owner sees its own record
  EXPECT_EQ(incoming.status, followup::ContactStatus::kPending);

  auto decided = DecideContactRequest(fed_.node("police"), Decide(sent->id, true, "call desk 4"));
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_EQ(decided->status, followup::ContactStatus::kAccepted);
  auto ngo_inbox = ReadInbox(fed_.node("ngo"));
  ASSERT_TRUE(ngo_inbox.ok());
  ASSERT_EQ(ngo_inbox->outgoing.size(), 1u);
  EXPECT_EQ(ngo_inbox->outgoing[0].status, followup::ContactStatus::kAccepted);
  EXPECT_EQ(ngo_inbox->outgoing[0].reply, "call desk 4");

  // Decided once only.
  EXPECT_TRUE(absl::IsFailedPrecondition(
      DecideContactRequest(fed_.node("police"), Decide(sent->id, false)).status()));
}

TEST_F(FollowupTest, NoRequestWithoutAHitOrWithoutConsent) {
  ContactRequest unknown = Request();
  unknown.handle = "h00";
  EXPECT_THAT(SendContactRequest(fed_.node("ngo"), unknown).status().message(),
              HasSubstr("no match with handle"));
  ContactRequest no_reason = Request();
  no_reason.reason.clear();
  EXPECT_TRUE(absl::IsInvalidArgument(SendContactRequest(fed_.node("ngo"), no_reason).status()));

  // The survivor withdrew consent at the NGO since the match.
  record::Person withdrawn = MariaIvanova("N-1");
  withdrawn.consent.clear();
  fed_.Add("ngo", {withdrawn});
  EXPECT_TRUE(absl::IsFailedPrecondition(SendContactRequest(fed_.node("ngo"), Request()).status()));
  EXPECT_TRUE(ReadInbox(fed_.node("police"))->incoming.empty());
  EXPECT_TRUE(ReadInbox(fed_.node("ngo"))->outgoing.empty());
}

TEST_F(FollowupTest, AnUndeliveredDecisionChangesNothing) {
  auto sent = SendContactRequest(fed_.node("ngo"), Request());
  ASSERT_TRUE(sent.ok()) << sent.status();
  fed_.StopServing("ngo");
  EXPECT_FALSE(DecideContactRequest(fed_.node("police"), Decide(sent->id, true)).ok());
  EXPECT_EQ(ReadInbox(fed_.node("police"))->incoming[0].status, followup::ContactStatus::kPending);
  EXPECT_TRUE(absl::IsInvalidArgument(
      DecideContactRequest(fed_.node("police"), Decide("c-none", true)).status()));
}

// A hostile member crafts the request itself (the follow-up client, not the
// use case): the owner bounds what it takes from the request.
TEST_F(FollowupTest, APeersHitTimeCannotStretchTheWindowNorItsIdForgeALine) {
  auto self = fed_.node("ngo").Self({});
  ASSERT_TRUE(self.ok()) << self.status();
  auto roster = fed_.node("ngo").Roster();
  ASSERT_TRUE(roster.ok());
  const federation::Member& police = *(*roster)->Find("police");
  followup::Contact c;
  c.id = "c0123456789abcdef";
  c.peer = "police";
  c.handle = handle_;
  c.purpose = "victim-dedup";
  c.reason = "same survivor?";
  c.created_at = absl::Now();
  c.hit_at = c.created_at + absl::Hours(24 * 30);  // "found" a month from now
  ASSERT_TRUE(followup::SendContact(*self, police, c, absl::Seconds(10)).ok());
  auto inbox = ReadInbox(fed_.node("police"));
  ASSERT_TRUE(inbox.ok());
  ASSERT_EQ(inbox->incoming.size(), 1u);
  EXPECT_LE(inbox->incoming[0].hit_at, absl::Now());
  EXPECT_EQ(PrumWindowLeft(inbox->incoming[0].hit_at, absl::Now()), "47h left of 48h");

  // An id with a terminal escape or a line break never reaches the inbox.
  for (const char* id : {"c\x1b[31mred", "c1\nc2 from police", "C0FFEE", ""}) {
    c.id = id;
    EXPECT_FALSE(followup::SendContact(*self, police, c, absl::Seconds(10)).ok()) << id;
  }
  EXPECT_EQ(ReadInbox(fed_.node("police"))->incoming.size(), 1u);
}

TEST(PrumWindowTest, CountsDownFrom48Hours) {
  const absl::Time hit = absl::FromUnixSeconds(1'000'000);
  EXPECT_EQ(PrumWindowLeft(hit, hit + absl::Hours(1)), "47h left of 48h");
  EXPECT_EQ(PrumWindowLeft(hit, hit + absl::Hours(49)), "48h window passed");
  EXPECT_EQ(Ago(hit, hit + absl::Minutes(185)), "3h5m ago");
  EXPECT_EQ(Ago(hit, hit + absl::Minutes(12)), "12m ago");
}

}  // namespace
}  // namespace fedlink::app
