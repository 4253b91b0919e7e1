// Follow-ups from generated logs: requests answered in time, late, never,
// refused; revocation notices acknowledged or not; paired across the two
// logs by the receipts' ids and the exchange ids.
#include "node/app/audit_followups.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "crypto/identity.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/followup.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::app {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr int64_t kHour = 3'600'000'000;
constexpr int64_t kStart = 1'772'409'600'000'000;  // 2026-03-02 00:00 UTC

class FollowupLogs {
 public:
  FollowupLogs() {
    ngo_key_ = std::move(crypto::SigningKey::Generate("ngo")).value();
    police_key_ = std::move(crypto::SigningKey::Generate("police")).value();
    review_.entries["ngo"];
    review_.entries["police"];
  }
  // ngo asks police about a record (contact id `id`) at `hours` after start.
  void Request(const std::string& id, int64_t hours, const std::string& outcome = "ok") {
    const std::string exchange = absl::StrCat("req-", id);
    ExportedEntry sent = Entry("followup.contact.sent", "ngo", "police", exchange, hours);
    sent.outcome = outcome;
    if (outcome == "ok") sent.peer_signed = Receipt(*police_key_, id);
    review_.entries["ngo"].push_back(sent);
    ExportedEntry received = Entry("followup.contact.received", "ngo", "police", exchange, hours);
    received.outcome = outcome;
    review_.entries["police"].push_back(received);
  }
  // police answers it `hours` after start.
  void Reply(const std::string& id, int64_t hours, bool accepted = true) {
    const std::string exchange = absl::StrCat("rep-", id);
    ExportedEntry sent = Entry(accepted ? "followup.contact.accepted" : "followup.contact.declined",
                               "police", "ngo", exchange, hours);
    sent.peer_signed = Receipt(*ngo_key_, id);
    review_.entries["police"].push_back(sent);
    review_.entries["ngo"].push_back(
        Entry("followup.reply.received", "police", "ngo", exchange, hours));
  }
  // police tells ngo a survivor withdrew consent; `acknowledged`: ngo's
  // receipt came back; `logged_at_ngo`: ngo's log has it.
  void Revoke(const std::string& id, int64_t hours, bool acknowledged, bool logged_at_ngo) {
    const std::string exchange = absl::StrCat("rev-", id, "-", hours);
    ExportedEntry sent = Entry("followup.revocation.sent", "police", "ngo", exchange, hours);
    if (acknowledged) {
      sent.peer_signed = Receipt(*ngo_key_, id);
    } else {
      sent.outcome = "UNAVAILABLE: ngo: connection refused";
    }
    review_.entries["police"].push_back(sent);
    if (logged_at_ngo) {
      review_.entries["ngo"].push_back(
          Entry("followup.revocation.received", "police", "ngo", exchange, hours));
    }
  }
  AuditReview& review() { return review_; }

 private:
  static std::string Receipt(const crypto::SigningKey& key, const std::string& id) {
    fedlink::v1::FollowupReceipt r;
    r.set_request_sha256(std::string(32, 'd'));
    r.set_id(id);
    return crypto::envelope::Seal(key, "fedlink.v1.FollowupReceipt", r.SerializeAsString()).value();
  }
  static ExportedEntry Entry(const std::string& event, const std::string& requester,
                             const std::string& responder, const std::string& exchange,
                             int64_t hours) {
    ExportedEntry e;
    e.event = event;
    e.requester = requester;
    e.responder = responder;
    e.exchange_id = exchange;
    e.purpose = "victim-dedup";
    e.legal_basis = "CASE-9";
    e.official = "officer-2";
    e.time_unix_micros = kStart + hours * kHour;
    return e;
  }
  std::unique_ptr<crypto::SigningKey> ngo_key_, police_key_;
  AuditReview review_;
};

const absl::Time kNow = absl::FromUnixMicros(kStart + 200 * kHour);

TEST(AuditFollowupsTest, EachRequestIsJudgedAgainstThe48HourWindow) {
  FollowupLogs logs;
  logs.Request("c1", 0);
  logs.Reply("c1", 5);  // in time
  logs.Request("c2", 10);
  logs.Reply("c2", 70, false);  // 60 hours: late
  logs.Request("c3", 20);       // never answered
  logs.Request("c4", 190);      // open: 10 hours old
  logs.Request("c5", 30, "PERMISSION_DENIED: rule 'x' requires a legal basis");
  const std::vector<ContactFollowup> c = ContactFollowups(logs.review(), kNow);
  ASSERT_THAT(c, SizeIs(5));
  EXPECT_EQ(c[0].contact_id, "c1");
  EXPECT_EQ(c[0].state, FollowupState::kAnswered);
  EXPECT_EQ(c[0].decision, "accepted");
  EXPECT_EQ(c[0].replied_micros - c[0].requested_micros, 5 * kHour);
  EXPECT_EQ(c[0].requester, "ngo");
  EXPECT_EQ(c[0].owner, "police");
  EXPECT_EQ(c[0].legal_basis, "CASE-9");
  EXPECT_THAT(c[0].entries, SizeIs(4));  // request and reply, in both logs
  EXPECT_EQ(c[1].contact_id, "c2");
  EXPECT_EQ(c[1].state, FollowupState::kLate);
  EXPECT_EQ(c[1].decision, "declined");
  EXPECT_EQ(c[2].contact_id, "c3");
  EXPECT_EQ(c[2].state, FollowupState::kOverdue);
  EXPECT_EQ(c[3].state, FollowupState::kRefused);  // c5, requested at 30 h
  EXPECT_EQ(c[4].contact_id, "c4");
  EXPECT_EQ(c[4].state, FollowupState::kOpen);
}

TEST(AuditFollowupsTest, WithOneLogOnlyRequestsAndRepliesStillPair) {
  FollowupLogs logs;
  logs.Request("c1", 0);
  logs.Reply("c1", 50);
  // Only the requester's log: its sent entry names the id in police's
  // receipt; the reply it received is paired through police's receipt...
  // which is in police's log, absent: so the reply cannot be paired.
  AuditReview ngo_only = logs.review();
  ngo_only.entries.erase("police");
  std::vector<ContactFollowup> c = ContactFollowups(ngo_only, kNow);
  ASSERT_THAT(c, SizeIs(1));
  EXPECT_EQ(c[0].contact_id, "c1");
  EXPECT_EQ(c[0].state, FollowupState::kOverdue);  // no reply the auditor can see
  // Only the owner's log: the request is known by exchange; the reply by id.
  AuditReview police_only = logs.review();
  police_only.entries.erase("ngo");
  c = ContactFollowups(police_only, kNow);
  ASSERT_THAT(c, SizeIs(1));
  EXPECT_EQ(c[0].contact_id, "exchange req-c1");
  EXPECT_EQ(c[0].state, FollowupState::kOverdue);
  // Both: one request, answered late (50 hours).
  c = ContactFollowups(logs.review(), kNow);
  ASSERT_THAT(c, SizeIs(1));
  EXPECT_EQ(c[0].state, FollowupState::kLate);
}

TEST(AuditFollowupsTest, RevocationsShowTheirAcknowledgement) {
  FollowupLogs logs;
  logs.Revoke("r1", 1, true, true);
  logs.Revoke("r2", 2, false, false);
  const std::vector<RevocationFollowup> r = RevocationFollowups(logs.review());
  ASSERT_THAT(r, SizeIs(2));
  EXPECT_EQ(r[0].notice_id, "r1");
  EXPECT_TRUE(r[0].acknowledged);
  EXPECT_TRUE(r[0].received_in_peer_log);
  EXPECT_TRUE(r[0].peer_log_reviewed);
  EXPECT_EQ(r[0].owner, "police");
  EXPECT_EQ(r[0].peer, "ngo");
  EXPECT_FALSE(r[1].acknowledged);
  EXPECT_FALSE(r[1].received_in_peer_log);
  EXPECT_EQ(r[1].attempts, 1);
}

TEST(AuditFollowupsTest, AReceiptIdIsReadOnlyFromAFollowupReceipt) {
  auto key = crypto::SigningKey::Generate("police");
  ASSERT_TRUE(key.ok());
  fedlink::v1::FollowupReceipt r;
  r.set_id("c42");
  EXPECT_EQ(
      ReceiptId(crypto::envelope::Seal(**key, "fedlink.v1.FollowupReceipt", r.SerializeAsString())
                    .value()),
      "c42");
  EXPECT_EQ(
      ReceiptId(
          crypto::envelope::Seal(**key, "fedlink.v1.TableRequest", r.SerializeAsString()).value()),
      "");
  EXPECT_EQ(ReceiptId("not an envelope"), "");
  EXPECT_EQ(ReceiptId(""), "");
}

TEST(AuditFollowupsTest, NoFollowupsInTheLogsIsAnEmptyList) {
  FollowupLogs logs;
  EXPECT_THAT(ContactFollowups(logs.review(), kNow), IsEmpty());
  EXPECT_THAT(RevocationFollowups(logs.review()), IsEmpty());
}

}  // namespace
}  // namespace fedlink::app
