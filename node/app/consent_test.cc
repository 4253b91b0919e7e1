// Consent withdrawal and its revocation notices between real nodes over
// mutual TLS: acknowledged, pending while the peer is down, retried.
#include "node/app/consent.h"

#include <cstdio>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/audit.h"
#include "node/app/followup.h"
#include "node/app/followup_opening.h"
#include "node/app/match.h"
#include "node/app/records.h"
#include "node/app/serving.h"
#include "node/app/test_app_federation.h"
#include "node/common/whole_file.h"

namespace fedlink::app {
namespace {

using testing::AnaPopescu;
using ::testing::HasSubstr;
using testing::MariaIvanova;

class ConsentTest : public testing::PoliceAndNgoTest {
 protected:
  void SetUp() override {
    fed_.Add("police", {MariaIvanova("P-1"), AnaPopescu("P-2")});
    fed_.Add("ngo", {MariaIvanova("N-1")});
    fed_.Serve("police");
    fed_.Serve("ngo");
    // The NGO matched P-1 and asked police for contact about it.
    ASSERT_NO_FATAL_FAILURE(NgoAsksPoliceForContact());
  }
  followup::ContactStatus NgoRequestStatus() {
    auto inbox = ReadInbox(fed_.node("ngo"));
    EXPECT_TRUE(inbox.ok());
    EXPECT_EQ(inbox->outgoing.size(), 1u);
    return inbox->outgoing.empty() ? followup::ContactStatus::kPending : inbox->outgoing[0].status;
  }
};

TEST_F(ConsentTest, WithdrawalClearsConsentReKeysAndTheAskingPeerAcknowledges) {
  Node& police = fed_.node("police");
  const std::string generation =
      common::ReadWholeFile(police.paths().oprf_generation()).value_or("");
  auto w = WithdrawConsent(police, "P-1");
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_TRUE(w->notices_status.ok()) << w->notices_status;
  ASSERT_EQ(w->notices.size(), 1u);
  EXPECT_EQ(w->notices[0].peer, "ngo");
  EXPECT_TRUE(w->notices[0].status.ok()) << w->notices[0].status;
  EXPECT_EQ(w->acknowledged(), 1u);
  EXPECT_EQ(w->pending(), 0u);

  auto record = police.records().Get("P-1");
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_TRUE((*record)->consent.empty());
  EXPECT_NE(common::ReadWholeFile(police.paths().oprf_generation()).value_or(""), generation);
  // The NGO forgot the hit and its request is revoked.
  EXPECT_EQ(NgoRequestStatus(), followup::ContactStatus::kRevoked);
  // The record's history shows the acknowledged notice; nothing is shared now.
  auto shown = ShowRecord(police, "P-1");
  ASSERT_TRUE(shown.ok());
  ASSERT_EQ(shown->history.revocations.size(), 1u);
  EXPECT_NE(shown->history.revocations[0].acked_at, absl::InfinitePast());
  EXPECT_TRUE(shown->shared_now.shares.empty());
  // Nothing left to retry.
  auto retried = NotifyRevocations(police);
  ASSERT_TRUE(retried.ok());
  EXPECT_TRUE(retried->empty());
}

// After the withdrawal neither node's follow-up store holds the request's
// handle, reason or reply, not even in the database files' free space; the
// requests still say who asked whom, for what and when; both access logs
// still verify and join, and nothing is left to open their commitments.
TEST_F(ConsentTest, WithdrawalErasesTheFollowupContentAndTheLogsStillVerify) {
  Node& police = fed_.node("police");
  auto before = ReadInbox(police);
  ASSERT_TRUE(before.ok() && before->incoming.size() == 1u);
  const followup::Contact asked = before->incoming[0];
  ASSERT_EQ(asked.reason, "same survivor?");
  ASSERT_TRUE(DecideContactRequest(police, {asked.id, true, "REPLY-TEXT-2207 desk 4", {}}).ok());

  auto w = WithdrawConsent(police, "P-1");
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_TRUE(w->erasure_status.ok()) << w->erasure_status;
  EXPECT_EQ(w->erased, 1u);
  EXPECT_EQ(w->acknowledged(), 1u);

  for (const char* id : {"police", "ngo"}) {
    Node& node = fed_.node(id);
    auto inbox = ReadInbox(node);
    ASSERT_TRUE(inbox.ok());
    std::vector<followup::Contact> all = inbox->incoming;
    all.insert(all.end(), inbox->outgoing.begin(), inbox->outgoing.end());
    ASSERT_EQ(all.size(), 1u) << id;
    const followup::Contact& c = all[0];
    EXPECT_TRUE(c.erased()) << id;
    EXPECT_EQ(c.handle + c.reason + c.reply + c.salt, "") << id;
    EXPECT_EQ(c.id, asked.id);
    EXPECT_EQ(c.purpose, "victim-dedup");
    EXPECT_EQ(c.peer, std::string(id) == "police" ? "ngo" : "police");
    for (const std::string& file :
         {node.paths().followup_db(), node.paths().followup_db() + "-wal"}) {
      const std::string bytes = common::ReadWholeFile(file).value_or("");
      for (const std::string& gone :
           {asked.handle, std::string("same survivor?"), std::string("REPLY-TEXT-2207")}) {
        EXPECT_EQ(bytes.find(gone), std::string::npos) << gone << " in " << file;
      }
    }
    EXPECT_TRUE(absl::IsFailedPrecondition(WriteFollowupOpening(node, asked.id).status())) << id;
  }
  std::vector<ExportFile> exports;
  for (const char* id : {"police", "ngo"}) {
    auto exported = ExportAuditLog(fed_.node(id));  // verified as an auditor would
    ASSERT_TRUE(exported.ok()) << exported.status();
    EXPECT_EQ(exported->bytes.find(asked.handle), std::string::npos) << id;
    exports.push_back({id, exported->bytes});
  }
  const AuditReview review = ReviewExports(exports, nullptr);
  EXPECT_TRUE(review.ok()) << (review.anomalies.empty() ? "" : review.anomalies[0]);
  EXPECT_GT(review.joined, 0);
}

TEST_F(ConsentTest, DeletingTheRecordErasesItsFollowupContentAndItsId) {
  Node& police = fed_.node("police");
  auto deletion = DeleteRecord(police, "P-1");
  ASSERT_TRUE(deletion.ok()) << deletion.status();
  EXPECT_EQ(deletion->erased, 1u);
  auto inbox = ReadInbox(police);
  ASSERT_TRUE(inbox.ok() && inbox->incoming.size() == 1u);
  const followup::Contact& c = inbox->incoming[0];
  EXPECT_TRUE(c.erased());
  EXPECT_EQ(c.handle + c.reason + c.own_id + c.salt, "");
  EXPECT_EQ(c.peer, "ngo");
  EXPECT_EQ(common::ReadWholeFile(police.paths().followup_db()).value_or("").find("same survivor?"),
            std::string::npos);
}

// An erasure (GDPR Art. 17) owes the peers that asked about the record the
// same notice as a withdrawal (Art. 19); a pending one keeps no record id.
TEST_F(ConsentTest, DeletingTheRecordSendsTheAskingPeerARevocationNotice) {
  Node& police = fed_.node("police");
  fed_.StopServing("ngo");
  auto deletion = DeleteRecord(police, "P-1");
  ASSERT_TRUE(deletion.ok()) << deletion.status();
  ASSERT_TRUE(deletion->notices_status.ok()) << deletion->notices_status;
  ASSERT_EQ(deletion->notices.size(), 1u);
  EXPECT_EQ(deletion->notices[0].peer, "ngo");
  EXPECT_EQ(deletion->pending(), 1u);
  auto pending = police.Followups().value()->PendingRevocations();
  ASSERT_TRUE(pending.ok() && pending->size() == 1u);
  EXPECT_EQ((*pending)[0].own_id, "");
  EXPECT_EQ(common::ReadWholeFile(police.paths().followup_db()).value_or("").find("P-1"),
            std::string::npos);

  fed_.Serve("ngo");
  auto retried = NotifyRevocations(police);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(Acknowledged(*retried), 1u);
  EXPECT_EQ(NgoRequestStatus(), followup::ContactStatus::kRevoked);
}

TEST_F(ConsentTest, NoticeStaysPendingWhileThePeerIsUnreachableAndIsRetried) {
  fed_.StopServing("ngo");
  auto w = WithdrawConsent(fed_.node("police"), "P-1");
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_EQ(w->notices.size(), 1u);
  EXPECT_TRUE(absl::IsUnavailable(w->notices[0].status)) << w->notices[0].status;
  EXPECT_EQ(w->pending(), 1u);

  auto again = NotifyRevocations(fed_.node("police"));
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ(Pending(*again), 1u);

  // The NGO is back (opened afresh: a Node serves once, as `fedlink serve`).
  auto ngo = Node::Open(fed_.node("ngo").paths().dir);
  ASSERT_TRUE(ngo.ok()) << ngo.status();
  ServeOptions options;
  options.witness_interval = absl::ZeroDuration();
  auto serving = ServingNode::Start(**ngo, options);
  ASSERT_TRUE(serving.ok()) << serving.status();
  auto retried = NotifyRevocations(fed_.node("police"));
  ASSERT_TRUE(retried.ok());
  ASSERT_EQ(retried->size(), 1u);
  EXPECT_EQ(Acknowledged(*retried), 1u);
  EXPECT_EQ(NgoRequestStatus(), followup::ContactStatus::kRevoked);
  EXPECT_TRUE(NotifyRevocations(fed_.node("police"))->empty());
}

TEST_F(ConsentTest, NoNoticeIsOwedForARecordNobodyAskedAbout) {
  auto w = WithdrawConsent(fed_.node("police"), "P-2");
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_TRUE(w->notices_status.ok());
  EXPECT_TRUE(w->notices.empty());
  EXPECT_EQ(NgoRequestStatus(), followup::ContactStatus::kPending);
}

TEST_F(ConsentTest, WithdrawalOfAnUnknownRecordIsNotFound) {
  auto w = WithdrawConsent(fed_.node("police"), "P-404");
  EXPECT_TRUE(absl::IsNotFound(w.status()));
  EXPECT_THAT(w.status().message(), HasSubstr("no record with that external_id"));
  EXPECT_THAT(w.status().message(), ::testing::Not(HasSubstr("P-404")));
}

TEST_F(ConsentTest, WithoutARosterTheNoticeStaysPending) {
  const std::string dir = fed_.node("police").paths().dir;
  std::remove(fed_.node("police").paths().roster().c_str());
  auto police = Node::Open(dir);
  ASSERT_TRUE(police.ok());
  auto w = WithdrawConsent(**police, "P-1");
  ASSERT_TRUE(w.ok()) << w.status();  // the withdrawal itself stands
  ASSERT_EQ(w->notices.size(), 1u);
  EXPECT_FALSE(w->notices[0].status.ok());
  EXPECT_EQ(w->pending(), 1u);
  EXPECT_TRUE((*(*police)->records().Get("P-1"))->consent.empty());
}

TEST_F(ConsentTest, WithdrawalIsRefusedWhenItCannotBeLogged) {
  auto unkeyed = Node::Open(fed_.node("police").paths().dir, {.load_identity = false});
  ASSERT_TRUE(unkeyed.ok());
  EXPECT_FALSE(WithdrawConsent(**unkeyed, "P-1").ok());
  EXPECT_FALSE((*fed_.node("police").records().Get("P-1"))->consent.empty());
  EXPECT_FALSE(NotifyRevocations(**unkeyed).ok());
}

}  // namespace
}  // namespace fedlink::app
