// Real mutual TLS on loopback: every refusal case has a test that fails if
// its check is removed.
#include <grpcpp/grpcpp.h>

#include <csignal>
#include <filesystem>

#include "fedlink/v1/federation.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/federation/peer_client.h"
#include "node/federation/peer_server.h"
#include "node/federation/pinning.h"
#include "node/federation/test_federation.h"

namespace fedlink::federation {
namespace {

using ::testing::HasSubstr;

class PeerRpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fed_ = std::make_unique<testing::TestFederation>(std::vector<std::string>{"a", "b", "c"});
    fed_->AddNode("stranger", /*in_roster=*/false);
    fed_->SignAndInstall();
    for (const char* id : {"a", "b", "c"}) {
      auto server = PeerServer::Start(fed_->node(id), {});
      ASSERT_TRUE(server.ok()) << id << ": " << server.status();
      servers_[id] = *std::move(server);
    }
  }

  Self SelfOf(const std::string& id, const std::string& tls_of = "") {
    Self s;
    s.node_id = id;
    s.identity = fed_->node(id).identity.get();
    s.tls = *tls::Load(fed_->node(tls_of.empty() ? id : tls_of).paths.dir);
    return s;
  }
  Member MemberOf(const std::string& id) { return *fed_->roster("a")->Find(id); }

  std::unique_ptr<testing::TestFederation> fed_;
  std::map<std::string, std::unique_ptr<PeerServer>> servers_;
};

TEST_F(PeerRpcTest, MembersPingEachOtherOverMutualTls) {
  PeerClient client(SelfOf("a"), MemberOf("b"));
  PingResult r = client.Ping(absl::Seconds(5));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.roster_version, 1u);
  auto roster = client.GetRoster(absl::Seconds(5));
  ASSERT_TRUE(roster.ok()) << roster.status();
  EXPECT_EQ(*roster, fed_->roster("b")->envelope());
}

// Nodes made before certificates were neutral carry their node id in CN and
// SAN; pinned by fingerprint like any other, they talk to new nodes both ways.
TEST_F(PeerRpcTest, ANodeWithAnOldNodeNamedCertificateKeepsWorking) {
  fed_->AddNode("old", /*in_roster=*/false);
  config::OpenedNode& old = fed_->node("old");
  std::filesystem::remove(old.paths.tls_key());
  std::filesystem::remove(old.paths.tls_cert());
  auto legacy = tls::GenerateSelfSignedNamed("old");
  ASSERT_TRUE(legacy.ok());
  ASSERT_TRUE(tls::Save(*legacy, old.paths.dir).ok());
  auto request = MemberRequest(old.paths, old.config, old.identity->VerifierKey());
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_TRUE(AddMember(fed_->coordinator(), *request, "old").ok());
  fed_->SignAndInstall();
  auto server = PeerServer::Start(old, {});
  ASSERT_TRUE(server.ok()) << server.status();
  PingResult to_old = PeerClient(SelfOf("a"), MemberOf("old")).Ping(absl::Seconds(5));
  EXPECT_TRUE(to_old.status.ok()) << to_old.status;
  PingResult from_old = PeerClient(SelfOf("old"), MemberOf("b")).Ping(absl::Seconds(5));
  EXPECT_TRUE(from_old.status.ok()) << from_old.status;
}

TEST_F(PeerRpcTest, RefusesPlaintextClients) {
  auto channel = grpc::CreateChannel(MemberOf("b").endpoint, grpc::InsecureChannelCredentials());
  auto stub = fedlink::v1::Federation::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  fedlink::v1::GetRosterResponse response;
  grpc::Status s = stub->GetRoster(&context, fedlink::v1::GetRosterRequest(), &response);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(response.roster_envelope().empty());
}

TEST_F(PeerRpcTest, RefusesUnknownCertificates) {
  // The stranger has a valid key pair and certificate, but the roster does
  // not pin it: the handshake fails.
  Self stranger = SelfOf("stranger");
  PeerClient client(stranger, MemberOf("b"));
  auto roster = client.GetRoster(absl::Seconds(3));
  EXPECT_FALSE(roster.ok());
  PingResult r = client.Ping(absl::Seconds(3), 1);
  EXPECT_FALSE(r.status.ok());
}

TEST_F(PeerRpcTest, ClientRefusesAServerWithTheWrongCertificate) {
  // Dial b's endpoint while expecting c's pinned certificate.
  Member fake = MemberOf("c");
  fake.endpoint = MemberOf("b").endpoint;
  PeerClient client(SelfOf("a"), fake);
  EXPECT_FALSE(client.GetRoster(absl::Seconds(3)).ok());
}

TEST_F(PeerRpcTest, RefusesACertificateThatDoesNotMatchTheClaimedNode) {
  // c's TLS certificate (a member, so the handshake succeeds) carrying a
  // request signed by a's identity key.
  PeerClient client(SelfOf("a", /*tls_of=*/"c"), MemberOf("b"));
  PingResult r = client.Ping(absl::Seconds(3), 1);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kPermissionDenied) << r.status;
  EXPECT_THAT(std::string(r.status.message()), HasSubstr("TLS client certificate"));
}

TEST_F(PeerRpcTest, RefusesARevokedMember) {
  ASSERT_TRUE(PeerClient(SelfOf("c"), MemberOf("b")).Ping(absl::Seconds(5)).status.ok());
  ASSERT_TRUE(RemoveMember(fed_->coordinator(), "c").ok());
  fed_->SignAndInstall();  // b reloads the new roster on its next call
  PeerClient client(SelfOf("c"), MemberOf("b"));
  EXPECT_FALSE(client.GetRoster(absl::Seconds(3)).ok());
  EXPECT_FALSE(client.Ping(absl::Seconds(3), 1).status.ok());
  // a and b still talk.
  EXPECT_TRUE(PeerClient(SelfOf("a"), MemberOf("b")).Ping(absl::Seconds(5)).status.ok());
}

TEST_F(PeerRpcTest, FanOutReturnsLivePeersAndTheDeadPeersErrorWithinTheDeadline) {
  servers_["c"]->Shutdown(absl::ZeroDuration());
  const absl::Time start = absl::Now();
  std::vector<PingResult> results = PingAll(SelfOf("a"), *fed_->roster("a"), absl::Seconds(2));
  const absl::Duration took = absl::Now() - start;
  ASSERT_EQ(results.size(), 2u);
  std::map<std::string, absl::Status> by_peer;
  for (const auto& r : results) by_peer[r.node_id] = r.status;
  EXPECT_TRUE(by_peer["b"].ok()) << by_peer["b"];
  EXPECT_FALSE(by_peer["c"].ok());
  EXPECT_LT(took, absl::Seconds(4));  // bounded by the deadline, not a hang
}

}  // namespace
}  // namespace fedlink::federation
