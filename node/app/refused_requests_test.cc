// What a member can make a peer keep by sending it requests that are refused
// (docs/audit.md "Refused requests"): the real Followup and Witness services
// of a serving police node, over loopback mutual TLS. A request that does not
// authenticate leaves one small fixed-size entry naming the TLS peer, and a
// body over its method's limit is refused; neither leaves any of its bytes in
// audit.db or in an export.
#include <grpcpp/grpcpp.h>

#include "fedlink/v1/audit.grpc.pb.h"
#include "fedlink/v1/audit.pb.h"
#include "fedlink/v1/followup.grpc.pb.h"
#include "gtest/gtest.h"
#include "node/app/audit.h"
#include "node/app/test_app_federation.h"
#include "node/common/whole_file.h"
#include "node/federation/peer_client.h"
#include "node/federation/peer_service.h"

namespace fedlink::app {
namespace {

using testing::MariaIvanova;

constexpr char kPattern[] = "REFUSED-BYTES-5c2e91-";

// 48 KiB of text nobody else writes: far over what a contact (4 KiB) or a
// cosign request (16 KiB) may hold, within the envelope limit of their
// methods (64 KiB), so that the signature is what refuses a forged one
// (over that limit a request is refused as too-large before it is read:
// SignedHandlerTest.AnEnvelopeOverTheMethodsLimitIsRefusedBeforeItsSignature).
std::string Large() {
  std::string s;
  while (s.size() < (48 << 10)) s += kPattern;
  return s;
}

class RefusedRequestsTest : public testing::PoliceAndNgoTest {
 protected:
  void SetUp() override {
    fed_.Add("police", {MariaIvanova("P-1")});
    fed_.Serve("police");
    auto self = fed_.node("ngo").Self({});
    ASSERT_TRUE(self.ok()) << self.status();
    ngo_ = *self;
    police_ = *(*fed_.node("ngo").Roster())->Find("police");
  }
  // A contact request from the NGO to police, signed, with `reason`.
  std::string Contact(const std::string& reason) {
    fedlink::v1::ContactRequest body;
    body.set_id("c0123456789abcdef");
    body.set_handle("h-some-handle");
    body.set_reason(reason);
    return *federation::SealRequest(ngo_, "police", "victim-dedup", "fedlink.v1.ContactRequest",
                                    body);
  }
  std::string Cosign(const std::string& checkpoint) {
    fedlink::v1::CosignRequest body;
    body.set_checkpoint(checkpoint);
    return *federation::SealRequest(ngo_, "police", "audit", "fedlink.v1.CosignRequest", body);
  }
  static std::string Forged(std::string envelope) {
    envelope[envelope.size() - 1] ^= 0x01;  // the signature's last byte
    return envelope;
  }
  std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return context;
  }
  grpc::Status SendContact(const std::string& envelope) {
    auto stub = fedlink::v1::Followup::NewStub(federation::OpenPeerChannel(ngo_, police_));
    fedlink::v1::Signed request, response;
    request.set_envelope(envelope);
    return stub->Contact(Context().get(), request, &response);
  }
  grpc::Status SendCosign(const std::string& envelope) {
    auto stub = fedlink::v1::Witness::NewStub(federation::OpenPeerChannel(ngo_, police_));
    fedlink::v1::Signed request, response;
    request.set_envelope(envelope);
    return stub->Cosign(Context().get(), request, &response);
  }
  // Police's log, exported: its entries, and none of the pattern anywhere
  // in the export, in audit.db or in its write-ahead log.
  std::vector<fedlink::v1::AuditEntry> PoliceEntriesWithoutThePattern() {
    auto exported = ExportAuditLog(fed_.node("police"));
    EXPECT_TRUE(exported.ok()) << exported.status();
    EXPECT_EQ(exported->bytes.find(kPattern), std::string::npos) << "in the export";
    for (const std::string& file : {fed_.node("police").paths().audit_db(),
                                    fed_.node("police").paths().audit_db() + "-wal"}) {
      EXPECT_EQ(common::ReadWholeFile(file).value_or("").find(kPattern), std::string::npos)
          << "in " << file;
    }
    fedlink::v1::AuditExport parsed;
    EXPECT_TRUE(parsed.ParseFromString(exported->bytes));
    std::vector<fedlink::v1::AuditEntry> out;
    for (const std::string& bytes : parsed.entries()) out.emplace_back().ParseFromString(bytes);
    return out;
  }
  // The one entry of `event` with an exchange id of `envelope`.
  static const fedlink::v1::AuditEntry* EntryOf(const std::vector<fedlink::v1::AuditEntry>& entries,
                                                const std::string& envelope) {
    const fedlink::v1::AuditEntry* found = nullptr;
    for (const auto& e : entries) {
      if (e.request_sha256() == federation::EnvelopeDigest(envelope)) found = &e;
    }
    return found;
  }

  federation::Self ngo_;
  federation::Member police_;
};

TEST_F(RefusedRequestsTest, AForgedLargeContactRequestLeavesASmallEntryNamingTheTlsPeer) {
  const std::string forged = Forged(Contact(Large()));
  ASSERT_GT(forged.size(), 32u << 10);
  EXPECT_EQ(SendContact(forged).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  const auto entries = PoliceEntriesWithoutThePattern();
  const fedlink::v1::AuditEntry* e = EntryOf(entries, forged);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->event(), "followup.contact.received");
  EXPECT_EQ(e->outcome(), "UNAUTHENTICATED: bad-signature");
  EXPECT_EQ(e->tls_peer(), "ngo");
  EXPECT_EQ(e->requester(), "");  // it did not authenticate: not named as the sender
  EXPECT_TRUE(e->peer_signed().empty()) << e->peer_signed().size() << " bytes";
  EXPECT_LT(e->ByteSizeLong(), 300u);
  EXPECT_TRUE(ReadInbox(fed_.node("police"))->incoming.empty());
}

TEST_F(RefusedRequestsTest, AnAuthenticatedContactRequestOverItsLimitIsRefusedAndNotKept) {
  const std::string big = Contact(Large());
  const grpc::Status s = SendContact(big);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("larger than 4096"), std::string::npos) << s.error_message();

  const auto entries = PoliceEntriesWithoutThePattern();
  const fedlink::v1::AuditEntry* e = EntryOf(entries, big);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->requester(), "ngo");  // it authenticated
  EXPECT_TRUE(e->peer_signed().empty()) << e->peer_signed().size() << " bytes";
  EXPECT_LT(e->ByteSizeLong(), 400u);
  EXPECT_TRUE(ReadInbox(fed_.node("police"))->incoming.empty());
}

TEST_F(RefusedRequestsTest, AForgedLargeCosignRequestLeavesASmallEntryNamingTheTlsPeer) {
  const std::string forged = Forged(Cosign(Large()));
  EXPECT_EQ(SendCosign(forged).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  const auto entries = PoliceEntriesWithoutThePattern();
  const fedlink::v1::AuditEntry* e = EntryOf(entries, forged);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->event(), "witness.refused");
  EXPECT_EQ(e->outcome(), "UNAUTHENTICATED: bad-signature");
  EXPECT_EQ(e->tls_peer(), "ngo");
  EXPECT_TRUE(e->peer_signed().empty()) << e->peer_signed().size() << " bytes";
  EXPECT_LT(e->ByteSizeLong(), 300u);
}

TEST_F(RefusedRequestsTest, AnAuthenticatedCosignRequestOverItsLimitIsRefusedAndNotKept) {
  const std::string big = Cosign(Large());
  EXPECT_EQ(SendCosign(big).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  const auto entries = PoliceEntriesWithoutThePattern();
  const fedlink::v1::AuditEntry* e = EntryOf(entries, big);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->event(), "witness.refused");
  EXPECT_EQ(e->requester(), "ngo");
  EXPECT_TRUE(e->peer_signed().empty()) << e->peer_signed().size() << " bytes";
  EXPECT_LT(e->ByteSizeLong(), 400u);
  // Nor kept as a witness's evidence.
  EXPECT_EQ(
      common::ReadWholeFile(fed_.node("police").paths().witness_db()).value_or("").find(kPattern),
      std::string::npos);
}

}  // namespace
}  // namespace fedlink::app
