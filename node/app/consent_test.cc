// Consent withdrawal and its revocation notices between real nodes over
// mutual TLS: acknowledged, pending while the peer is down, retried.
#include "node/app/consent.h"

#include <cstdio>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/followup.h"
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

TEST_F(ConsentTest, WithdrawalOfAnUnknownRecordIsInvalidArgument) {
  auto w = WithdrawConsent(fed_.node("police"), "P-404");
  EXPECT_TRUE(absl::IsInvalidArgument(w.status()));
  EXPECT_THAT(w.status().message(), HasSubstr("no record with that external_id"));
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
