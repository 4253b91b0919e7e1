// Contact requests and the inbox, between two real nodes over mutual TLS.
#include "node/app/followup.h"

#include <google/protobuf/text_format.h>

#include <map>

#include "absl/strings/match.h"
#include "fedlink/v1/followup.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/audit.h"
#include "node/app/followup_opening.h"
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

// Both access logs say who asked whom, for what, when, under which legal
// basis and official and with what outcome, and commit to the content; none
// holds the handle, the reason or the reply (docs/audit.md "Follow-ups").
TEST_F(FollowupTest, TheAccessLogsKeepACommitmentNotTheHandleReasonOrReply) {
  ContactRequest request = Request();
  request.reason = "REASON-TEXT-4411 is she the one from the bus station?";
  auto sent = SendContactRequest(fed_.node("ngo"), request);
  ASSERT_TRUE(sent.ok()) << sent.status();
  const std::string reply = "REPLY-TEXT-9930 call desk 4 on 0161 555 0199";
  ASSERT_TRUE(DecideContactRequest(fed_.node("police"), Decide(sent->id, true, reply)).ok());

  std::vector<ExportFile> exports;
  for (const char* node : {"police", "ngo"}) {
    auto exported = ExportAuditLog(fed_.node(node));
    ASSERT_TRUE(exported.ok()) << exported.status();
    for (const std::string& secret :
         {handle_, request.reason, reply, std::string("REASON-TEXT"), std::string("REPLY-TEXT")}) {
      EXPECT_EQ(exported->bytes.find(secret), std::string::npos) << secret << " in " << node;
    }
    exports.push_back({node, exported->bytes});
  }
  const AuditReview review = ReviewExports(exports, nullptr);
  EXPECT_TRUE(review.ok()) << (review.anomalies.empty() ? "" : review.anomalies[0]);
  std::map<std::string, const ExportedEntry*> by_event;
  for (const auto& [node, entries] : review.entries) {
    for (const ExportedEntry& e : entries) {
      if (absl::StartsWith(e.event, "followup.")) by_event[node + " " + e.event] = &e;
    }
  }
  for (const char* key : {"police followup.contact.received", "ngo followup.contact.sent",
                          "police followup.contact.accepted", "ngo followup.reply.received"}) {
    ASSERT_EQ(by_event.count(key), 1u) << key;
    const ExportedEntry& e = *by_event[key];
    EXPECT_EQ(e.content_commitment.size(), 32u) << key;
    EXPECT_EQ(e.purpose, "victim-dedup") << key;
    EXPECT_EQ(e.outcome, "ok") << key;
    EXPECT_NE(e.time_unix_micros, 0) << key;
  }
  const ExportedEntry& received = *by_event["police followup.contact.received"];
  EXPECT_EQ(received.requester, "ngo");
  EXPECT_EQ(received.responder, "police");
  EXPECT_EQ(received.legal_basis, "consent");
  EXPECT_EQ(received.official, "case-worker-7");
  EXPECT_EQ(received.peer_signed, "");
  // The two sides commit with salts of their own, each to what it holds.
  EXPECT_EQ(received.exchange_id, by_event["ngo followup.contact.sent"]->exchange_id);
  EXPECT_NE(received.content_commitment, by_event["ngo followup.contact.sent"]->content_commitment);
}

// The node opens a request's commitments for an auditor; the check accepts
// the content as it was and refuses it altered in any field.
TEST_F(FollowupTest, AnOpeningMatchesItsCommitmentsAndAlteredContentDoesNot) {
  auto sent = SendContactRequest(fed_.node("ngo"), Request());
  ASSERT_TRUE(sent.ok()) << sent.status();
  ASSERT_TRUE(DecideContactRequest(fed_.node("police"), Decide(sent->id, false, "not ours")).ok());
  const std::string police_log = ExportAuditLog(fed_.node("police"))->bytes;
  const std::string ngo_log = ExportAuditLog(fed_.node("ngo"))->bytes;

  const std::map<std::string, std::string> logs = {{"police", police_log}, {"ngo", ngo_log}};
  for (const std::string node : {"police", "ngo"}) {
    const std::string& log = logs.at(node);
    auto opening = WriteFollowupOpening(fed_.node(node), sent->id);
    ASSERT_TRUE(opening.ok()) << opening.status();
    auto check = CheckFollowupOpening(log, *opening);
    ASSERT_TRUE(check.ok()) << check.status();
    EXPECT_TRUE(check->ok()) << node;
    ASSERT_EQ(check->request_entries.size(), 1u) << node;
    ASSERT_EQ(check->reply_entries.size(), 1u) << node;
    EXPECT_EQ(check->request_entries[0].entry.event,
              node == "police" ? "followup.contact.received" : "followup.contact.sent");
    EXPECT_EQ(check->reply_entries[0].entry.event,
              node == "police" ? "followup.contact.declined" : "followup.reply.received");

    // Altered content, decision or salt matches nothing.
    auto altered = [&](auto change) {
      fedlink::v1::FollowupOpening o;
      EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(*opening, &o));
      change(o);
      std::string text;
      google::protobuf::TextFormat::PrintToString(o, &text);
      auto c = CheckFollowupOpening(log, text);
      EXPECT_TRUE(c.ok()) << c.status();
      return c.ok() && c->ok();
    };
    EXPECT_FALSE(altered([](auto& o) { o.set_reason(o.reason() + "!"); })) << node;
    EXPECT_FALSE(altered([](auto& o) { o.set_handle(o.handle() + "0"); })) << node;
    EXPECT_FALSE(altered([](auto& o) { o.set_contact_id("c0000000000000000"); })) << node;
    EXPECT_FALSE(altered([](auto& o) { o.set_reply("call me"); })) << node;
    EXPECT_FALSE(altered([](auto& o) { o.set_accepted(true); })) << node;
    EXPECT_FALSE(altered([](auto& o) {
      std::string salt = o.salt();
      salt[0] ^= 1;
      o.set_salt(salt);
    })) << node;
    // An opening is checked against its own node's log only.
    EXPECT_TRUE(absl::IsFailedPrecondition(
        CheckFollowupOpening(node == "police" ? ngo_log : police_log, *opening).status()));
  }
  EXPECT_TRUE(absl::IsNotFound(WriteFollowupOpening(fed_.node("police"), "c-none").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(CheckFollowupOpening(police_log, "not an opening").status()));
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
