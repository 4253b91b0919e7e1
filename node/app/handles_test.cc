// Handles per requester and key generation (issue 14, finding 6), through
// the use cases of three real nodes over mutual TLS: two NGOs match the same
// police record, resolve and follow up.
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/followup.h"
#include "node/app/match.h"
#include "node/app/test_app_federation.h"
#include "node/federation/grpc_settings.h"
#include "node/followup/followup_client.h"
#include "node/private_match/keyring.h"

namespace fedlink::app {
namespace {

using ::testing::HasSubstr;
using testing::MariaIvanova;
using ::testing::UnorderedElementsAre;

class HandlesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fed_.WritePolicy("police", testing::kPolicePolicy);  // victims to every NGO
    fed_.WritePolicy("ngo", testing::kNgoPolicy);
    fed_.WritePolicy("shelter", testing::kNgoPolicy);
    fed_.Add("police", {MariaIvanova("P-1")});
    fed_.Add("ngo", {MariaIvanova("N-1")});
    fed_.Add("shelter", {MariaIvanova("S-1")});
    fed_.Serve("police");
  }
  // `who` matches its records at police and finds the one shared survivor.
  std::string MatchAtPolice(const std::string& who) {
    MatchRequest request;
    request.purpose = "victim-dedup";
    request.peer = "police";
    auto report = MatchOwnRecords(fed_.node(who), request);
    EXPECT_TRUE(report.ok()) << report.status();
    if (!report.ok() || report->matches.size() != 1) {
      ADD_FAILURE() << who << " did not find exactly one match";
      return "";
    }
    return report->matches[0].handle;
  }
  absl::StatusOr<followup::Contact> AskPolice(const std::string& who, const std::string& handle) {
    ContactRequest request;
    request.peer = "police";
    request.handle = handle;
    request.reason = "same survivor?";
    return SendContactRequest(fed_.node(who), request);
  }
  Node& police() { return fed_.node("police"); }
  // What police resolves `handle` to, or the error.
  std::string Resolve(const std::string& handle, const std::string& peer = "") {
    auto id = ResolveHandle(police(), handle, peer);
    return id.ok() ? *id : id.status().ToString();
  }

  testing::AppFederation fed_{{"police", "ngo", "shelter"}};
};

TEST_F(HandlesTest, TwoPeersGetUnrelatedHandlesForOneRecordAndBothFollowUp) {
  const std::string ngo = MatchAtPolice("ngo");
  const std::string shelter = MatchAtPolice("shelter");
  ASSERT_FALSE(ngo.empty());
  ASSERT_FALSE(shelter.empty());
  // Comparing notes, the two NGOs cannot tell they found the same record.
  EXPECT_NE(ngo, shelter);
  EXPECT_NE(ngo.substr(3), shelter.substr(3));

  // The owner resolves both to its record, without being told whose they
  // are, or for the peer named.
  EXPECT_EQ(Resolve(ngo), "P-1");
  EXPECT_EQ(Resolve(shelter), "P-1");
  EXPECT_EQ(Resolve(ngo, "ngo"), "P-1");
  EXPECT_TRUE(absl::IsNotFound(ResolveHandle(police(), ngo, "shelter").status()));

  // Both ask for contact about it; the owner sees its record in each.
  auto from_ngo = AskPolice("ngo", ngo);
  ASSERT_TRUE(from_ngo.ok()) << from_ngo.status();
  auto from_shelter = AskPolice("shelter", shelter);
  ASSERT_TRUE(from_shelter.ok()) << from_shelter.status();
  auto inbox = ReadInbox(police());
  ASSERT_TRUE(inbox.ok()) << inbox.status();
  ASSERT_EQ(inbox->incoming.size(), 2u);
  EXPECT_EQ(inbox->incoming[0].own_id, "P-1");
  EXPECT_EQ(inbox->incoming[1].own_id, "P-1");
  EXPECT_THAT((std::vector<std::string>{inbox->incoming[0].peer, inbox->incoming[1].peer}),
              UnorderedElementsAre("ngo", "shelter"));
}

// A member that got hold of another's handle (they compared notes) cannot
// use it: a contact request or a match notice with it names no record.
TEST_F(HandlesTest, AHandleIssuedToOnePeerIsUnknownWhenAnotherPresentsIt) {
  const std::string ngo = MatchAtPolice("ngo");
  const std::string shelter = MatchAtPolice("shelter");
  ASSERT_FALSE(ngo.empty());
  auto self = fed_.node("shelter").Self({});
  ASSERT_TRUE(self.ok()) << self.status();
  auto roster = fed_.node("shelter").Roster();
  ASSERT_TRUE(roster.ok()) << roster.status();
  const federation::Member& owner = *(*roster)->Find("police");
  followup::Contact c;
  c.id = "c0123456789abcdef";
  c.peer = "police";
  c.handle = ngo;
  c.purpose = "victim-dedup";
  c.reason = "same survivor?";
  c.created_at = c.hit_at = absl::Now();
  const absl::Status refused = followup::SendContact(*self, owner, c, absl::Seconds(10));
  EXPECT_FALSE(refused.ok());
  EXPECT_THAT(refused.message(), HasSubstr("no record shared with you"));
  EXPECT_TRUE(ReadInbox(police())->incoming.empty());

  ASSERT_TRUE(
      followup::SendMatchNotice(*self, owner, "victim-dedup", {ngo}, absl::Seconds(10)).ok());
  EXPECT_TRUE((*police().Followups())->Notices()->empty());
  // Its own handle names the record.
  ASSERT_TRUE(
      followup::SendMatchNotice(*self, owner, "victim-dedup", {shelter}, absl::Seconds(10)).ok());
  auto notices = (*police().Followups())->Notices();
  ASSERT_TRUE(notices.ok());
  ASSERT_EQ(notices->size(), 1u);
  EXPECT_EQ((*notices)[0].peer, "shelter");
  EXPECT_EQ((*notices)[0].own_id, "P-1");

  // More handles than one notice carries are split: the record named by the
  // last one, in the second notice, is noticed too.
  ASSERT_TRUE((*police().Followups())->EraseContentAbout("P-1", absl::Now(), true).ok());
  std::vector<std::string> many(federation::kMaxNoticeHandles, ngo);
  many.push_back(shelter);
  const absl::Status split =
      followup::SendMatchNotice(*self, owner, "victim-dedup", many, absl::Seconds(30));
  ASSERT_TRUE(split.ok()) << split;
  notices = (*police().Followups())->Notices();
  ASSERT_TRUE(notices.ok());
  ASSERT_EQ(notices->size(), 1u);
  EXPECT_EQ((*notices)[0].own_id, "P-1");
}

// A re-keying (a deletion, a withdrawal, a policy change) starts a new key
// generation: new handles, while those found before keep resolving and
// following up (for 7 days after their generation ended; keyring_test).
TEST_F(HandlesTest, ANewKeyGenerationGivesNewHandlesAndTheOldStillFollowUp) {
  const std::string before = MatchAtPolice("ngo");
  ASSERT_FALSE(before.empty());
  ASSERT_TRUE(private_match::Keyring::Rekey(police().paths()).ok());
  const std::string after = MatchAtPolice("ngo");  // the stale table is refetched
  ASSERT_FALSE(after.empty());
  EXPECT_NE(after, before);
  EXPECT_EQ(Resolve(before), "P-1");
  EXPECT_EQ(Resolve(after), "P-1");
  auto old_hit = AskPolice("ngo", before);
  ASSERT_TRUE(old_hit.ok()) << old_hit.status();
  auto new_hit = AskPolice("ngo", after);
  ASSERT_TRUE(new_hit.ok()) << new_hit.status();
  EXPECT_EQ(ReadInbox(police())->incoming.size(), 2u);
}

}  // namespace
}  // namespace fedlink::app
