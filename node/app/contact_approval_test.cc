// A supervisor's approval of outgoing contact requests (policy
// contact_requests_need_approval), between two real nodes over mutual TLS.
#include "node/app/contact_approval.h"

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/audit.h"
#include "node/app/audit_review.h"
#include "node/app/consent.h"
#include "node/app/test_access_log.h"
#include "node/app/test_app_federation.h"
#include "node/app/test_key_source.h"
#include "node/app/users.h"

namespace fedlink::app {
namespace {

using ::testing::HasSubstr;
using testing::MariaIvanova;
using ::testing::Not;

constexpr char kPassword[] = "correct horse battery";

class ContactApprovalTest : public testing::PoliceAndNgoTest {
 protected:
  void SetUp() override {
    fed_.Add("police", {MariaIvanova("P-1")});
    fed_.Add("ngo", {MariaIvanova("N-1")});
    fed_.Serve("police");
    ASSERT_NO_FATAL_FAILURE(NgoMatchesAtPolice(&handle_));
    // Users are sealed under a data key: the NGO's node is converted.
    auto converted = Node::Open(fed_.node("ngo").paths().dir, {.key_source = TestKeyFile("ngo")});
    ASSERT_TRUE(converted.ok()) << converted.status();
    ngo_ = *std::move(converted);
    for (const auto& [name, role] : std::vector<std::pair<std::string, UserRole>>{
             {"amira", UserRole::kCaseworker}, {"sam", UserRole::kSupervisor}}) {
      ASSERT_TRUE(AddUser(*ngo_, {name, role, kPassword}, {"operator", ""}).ok());
    }
  }
  void RequireApproval() {
    std::ofstream(ngo_->paths().policy())
        << testing::kNgoPolicy << "contact_requests_need_approval: true\n";
  }
  ContactRequest Request() {
    ContactRequest r;
    r.peer = "police";
    r.handle = handle_;
    r.reason = "same survivor?";
    r.actor = {"amira", "case-17"};
    return r;
  }
  size_t PoliceIncoming() {
    auto inbox = ReadInbox(fed_.node("police"));
    EXPECT_TRUE(inbox.ok());
    return inbox.ok() ? inbox->incoming.size() : 0;
  }
  std::string Log() { return testing::AccessLogText(*ngo_); }
  std::string handle_;
  std::unique_ptr<Node> ngo_;
};

TEST_F(ContactApprovalTest, WithoutThePolicyARequestIsSentAtOnce) {
  auto out = RequestContact(*ngo_, Request());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FALSE(out->held);
  EXPECT_EQ(PoliceIncoming(), 1u);
}

TEST_F(ContactApprovalTest, UnderThePolicyARequestWaitsForASupervisor) {
  RequireApproval();
  auto out = RequestContact(*ngo_, Request());
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->held);
  EXPECT_EQ(PoliceIncoming(), 0u);  // nothing left the node
  auto held = HeldContactRequests(*ngo_);
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ((*held)[0].requested_by, "amira");
  EXPECT_EQ((*held)[0].reason, "same survivor?");
  // A caseworker cannot approve; a supervisor can.
  EXPECT_TRUE(absl::IsPermissionDenied(
      ApproveContactRequest(*ngo_, out->held_request.id, {"amira", ""}).status()));
  EXPECT_EQ(PoliceIncoming(), 0u);
  auto sent = ApproveContactRequest(*ngo_, out->held_request.id, {"sam", ""});
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->id, out->held_request.id);
  EXPECT_EQ(PoliceIncoming(), 1u);
  held = HeldContactRequests(*ngo_);
  ASSERT_TRUE(held.ok());
  EXPECT_TRUE(held->empty());
  EXPECT_TRUE(
      absl::IsNotFound(ApproveContactRequest(*ngo_, out->held_request.id, {"sam", ""}).status()));
  const std::string log = Log();
  EXPECT_THAT(log, HasSubstr(absl::StrCat("contact.held official=amira outcome=ok detail=contact ",
                                          sent->id, " awaiting approval")));
  EXPECT_THAT(log, HasSubstr(absl::StrCat("contact.approve official=sam outcome=ok detail=contact ",
                                          sent->id, " requested by amira")));
  EXPECT_THAT(log, HasSubstr("contact.approve official=amira outcome=PERMISSION_DENIED"))
      << "a refused approval is logged as refused";
}

TEST_F(ContactApprovalTest, ARejectedRequestIsNeverSent) {
  RequireApproval();
  auto out = RequestContact(*ngo_, Request());
  ASSERT_TRUE(out.ok() && out->held);
  EXPECT_TRUE(
      absl::IsPermissionDenied(RejectContactRequest(*ngo_, out->held_request.id, {"amira", ""})));
  auto none = RejectedContactRequests(*ngo_);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty()) << "a refused rejection rejects nothing";
  const absl::Time before = absl::Now();
  ASSERT_TRUE(RejectContactRequest(*ngo_, out->held_request.id, {"sam", ""}).ok());
  EXPECT_EQ(PoliceIncoming(), 0u);
  auto held = HeldContactRequests(*ngo_);
  ASSERT_TRUE(held.ok());
  EXPECT_TRUE(held->empty());
  EXPECT_THAT(Log(), HasSubstr("contact.reject official=sam outcome=ok detail=contact "));
  // The caseworker who asked still sees it: rejected, by whom and when.
  auto rejected = RejectedContactRequests(*ngo_);
  ASSERT_TRUE(rejected.ok()) << rejected.status();
  ASSERT_EQ(rejected->size(), 1u);
  EXPECT_EQ((*rejected)[0].id, out->held_request.id);
  EXPECT_EQ((*rejected)[0].requested_by, "amira");
  EXPECT_EQ((*rejected)[0].reason, "same survivor?");
  EXPECT_EQ((*rejected)[0].rejected_by, "sam");
  EXPECT_GE((*rejected)[0].rejected_at, before - absl::Seconds(1));
  EXPECT_LE((*rejected)[0].rejected_at, absl::Now() + absl::Seconds(1));
  // Decided once: neither approved nor rejected again.
  EXPECT_TRUE(
      absl::IsNotFound(ApproveContactRequest(*ngo_, out->held_request.id, {"sam", ""}).status()));
  EXPECT_TRUE(absl::IsNotFound(RejectContactRequest(*ngo_, out->held_request.id, {"sam", ""})));
  EXPECT_EQ(PoliceIncoming(), 0u);
}

TEST_F(ContactApprovalTest, WithdrawingConsentDropsARejectedRequest) {
  RequireApproval();
  auto out = RequestContact(*ngo_, Request());
  ASSERT_TRUE(out.ok() && out->held);
  ASSERT_TRUE(RejectContactRequest(*ngo_, out->held_request.id, {"sam", ""}).ok());
  ASSERT_TRUE(WithdrawConsent(*ngo_, "N-1").ok());
  auto rejected = RejectedContactRequests(*ngo_);
  ASSERT_TRUE(rejected.ok());
  EXPECT_TRUE(rejected->empty());
}

TEST_F(ContactApprovalTest, AnApprovalGivenWithTheRequestMustNameAnEnabledSupervisor) {
  RequireApproval();
  ContactRequest r = Request();
  EXPECT_TRUE(absl::IsFailedPrecondition(SendContactRequest(*ngo_, r).status()));
  r.approved_by = "amira";
  EXPECT_TRUE(absl::IsPermissionDenied(RequestContact(*ngo_, r).status()));
  r.approved_by = "nobody";
  EXPECT_TRUE(absl::IsPermissionDenied(RequestContact(*ngo_, r).status()));
  EXPECT_EQ(PoliceIncoming(), 0u);
  r.approved_by = "sam";
  auto out = RequestContact(*ngo_, r);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FALSE(out->held);
  EXPECT_EQ(PoliceIncoming(), 1u);
}

TEST_F(ContactApprovalTest, WithdrawingConsentDropsAHeldRequest) {
  RequireApproval();
  auto out = RequestContact(*ngo_, Request());
  ASSERT_TRUE(out.ok() && out->held);
  ASSERT_TRUE(WithdrawConsent(*ngo_, "N-1").ok());
  auto held = HeldContactRequests(*ngo_);
  ASSERT_TRUE(held.ok());
  EXPECT_TRUE(held->empty());
  EXPECT_TRUE(
      absl::IsNotFound(ApproveContactRequest(*ngo_, out->held_request.id, {"sam", ""}).status()));
  EXPECT_EQ(PoliceIncoming(), 0u);
}

}  // namespace
}  // namespace fedlink::app
