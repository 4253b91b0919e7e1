// Serving a node in-process: the serve lock, the access log's entries, a
// restart in the same process, and a policy reload.
#include "node/app/serving.h"

#include <grpcpp/grpcpp.h>
#include <sys/resource.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/synchronization/mutex.h"
#include "fedlink/v1/match.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/test_app_federation.h"
#include "node/common/whole_file.h"
#include "node/federation/peer_client.h"
#include "node/federation/peer_service.h"
#include "node/net/test_sockets.h"
#include "node/private_match/requester.h"
#include "node/server/admin_client.h"

namespace fedlink::app {
namespace {

using testing::AppFederation;

ServeOptions Quiet() {
  ServeOptions options;
  options.witness_interval = absl::ZeroDuration();
  return options;
}

TEST(ServingTest, ServesPeersHoldsTheLockAndServesAgainAfterStop) {
  AppFederation fed({"police", "ngo"});
  Node& node = fed.node("police");
  const uint64_t before = (*node.AuditLog())->size();
  auto serving = ServingNode::Start(node, Quiet());
  ASSERT_TRUE(serving.ok()) << serving.status();
  EXPECT_TRUE((*serving)->serves_peers());
  EXPECT_THAT((*serving)->admin_target(), ::testing::HasSubstr("admin.sock"));

  // A second server on the same directory is refused while the first runs.
  auto other = Node::Open(node.paths().dir);
  ASSERT_TRUE(other.ok());
  auto second = ServingNode::Start(**other, Quiet());
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();

  (*serving)->Stop();
  (*serving)->Stop();                                 // idempotent
  EXPECT_EQ((*node.AuditLog())->size(), before + 2);  // node.start, node.stop
  serving->reset();
  auto again = ServingNode::Start(node, Quiet());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE((*again)->serves_peers());
}

TEST(ServingTest, AnOpenNodeFollowsARosterInstalledSince) {
  AppFederation fed({"police", "ngo"});
  Node& node = fed.node("police");
  auto first = node.Roster();
  ASSERT_TRUE(first.ok()) << first.status();
  const uint64_t version = (*first)->version();
  fed.SignAndInstallNextRoster();
  auto next = node.Roster();
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ((*next)->version(), version + 1);
  EXPECT_EQ((*first)->version(), version);  // what a caller held stays valid
}

TEST(ServingTest, ABadPolicyIsNotAppliedAndTheReloadSaysWhy) {
  AppFederation fed({"police", "ngo"});
  fed.WritePolicy("police", testing::kPolicePolicy);
  auto serving = ServingNode::Start(fed.node("police"), Quiet());
  ASSERT_TRUE(serving.ok()) << serving.status();
  EXPECT_TRUE((*serving)->ReloadPolicy().ok());
  fed.WritePolicy("police", "rules { this is not a policy");
  EXPECT_FALSE((*serving)->ReloadPolicy().ok());
}

TEST(ServingTest, TheAdminSocketRecoversAfterRunningOutOfDescriptors) {
  AppFederation fed({"police", "ngo"});
  auto serving = ServingNode::Start(fed.node("police"), Quiet());
  ASSERT_TRUE(serving.ok()) << serving.status();
  const common::NodePaths& paths = fed.node("police").paths();
  {
    net::testing::OpenFileLimit limit(512);
    net::testing::DescriptorHog hog;
    hog.Release(1);
    // The operator's `fedlink status` arrives while no descriptor is free:
    // it is shed (gRPC's own accept loop stopped for good here).
    int client = net::testing::ConnectUnix(paths.admin_socket());
    ASSERT_GE(client, 0);
    EXPECT_EQ(net::testing::ReceiveWithin(client, absl::Seconds(5)), std::string());
    close(client);
  }
  EXPECT_TRUE(server::CheckNodeHealth(paths, absl::Seconds(5)).ok());
}

TEST(ServingTest, AnIdleEvaluateStreamIsEndedByTheServer) {
  AppFederation fed({"police", "ngo"});
  ServeOptions options = Quiet();
  options.peer_limits.stream_idle = absl::Milliseconds(500);
  auto serving = ServingNode::Start(fed.node("police"), options);
  ASSERT_TRUE(serving.ok()) << serving.status();
  auto self = fed.node("ngo").Self({});
  ASSERT_TRUE(self.ok()) << self.status();
  const federation::Member police = *(*fed.node("ngo").Roster())->Find("police");
  auto stub = fedlink::v1::Match::NewStub(federation::OpenPeerChannel(*self, police));
  // A member opens a stream and sends nothing: it held a server thread
  // until its own deadline.
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  const absl::Time start = absl::Now();
  auto stream = stub->EvaluateStream(&context);
  fedlink::v1::Signed answer;
  EXPECT_FALSE(stream->Read(&answer));
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED) << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST(ServingTest, RefusesAnEvaluationOfMoreElementsThanTheLimit) {
  AppFederation fed({"police", "ngo"});
  auto serving = ServingNode::Start(fed.node("police"), Quiet());
  ASSERT_TRUE(serving.ok()) << serving.status();
  auto self = fed.node("ngo").Self({});
  ASSERT_TRUE(self.ok()) << self.status();
  const federation::Member police = *(*fed.node("ngo").Roster())->Find("police");
  fedlink::v1::EvaluateRequest body;
  for (size_t i = 0; i <= private_match::kMaxEvaluateElements; ++i) {
    body.add_blinded(std::string(crypto::oprf::kElementSize, 'e'));
  }
  auto sealed =
      federation::SealRequest(*self, "police", "victim-dedup", "fedlink.v1.EvaluateRequest", body);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  auto stub = fedlink::v1::Match::NewStub(federation::OpenPeerChannel(*self, police));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  fedlink::v1::Signed request, answer;
  request.set_envelope(*sealed);
  const grpc::Status status = stub->Evaluate(&context, request, &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("65537 elements exceeds the limit"));
}

TEST(ServingTest, TellsItsCallerWhenItCanNoLongerAcceptPeers) {
  AppFederation fed({"police", "ngo"});
  absl::Mutex mu;
  std::vector<absl::Status> fatal;
  ServeOptions options = Quiet();
  options.peer_limits.probe_interval = absl::Milliseconds(100);
  options.on_fatal = [&](const absl::Status& s) {
    absl::MutexLock lock(&mu);
    fatal.push_back(s);
  };
  auto serving = ServingNode::Start(fed.node("police"), options);
  ASSERT_TRUE(serving.ok()) << serving.status();
  // Nothing answers on peer.sock any more, as if gRPC's listener had died.
  std::filesystem::remove(fed.node("police").paths().peer_socket());
  absl::MutexLock lock(&mu);
  ASSERT_TRUE(
      mu.AwaitWithTimeout(absl::Condition(
                              +[](std::vector<absl::Status>* f) { return !f->empty(); }, &fatal),
                          absl::Seconds(20)));
  EXPECT_EQ(fatal.size(), 1u);
  EXPECT_THAT(std::string(fatal[0].message()), ::testing::HasSubstr("peer.sock"));
}

TEST(ServingTest, CapsPeerConnectionsAsNodeConfSays) {
  AppFederation fed({"police", "ngo"});
  const std::string dir = fed.node("police").paths().dir;
  // init writes the default; the operator edits it.
  const std::string conf = fed.node("police").paths().config();
  std::string text = *common::ReadWholeFile(conf);
  const size_t at = text.find("max_peer_connections: 256");
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, strlen("max_peer_connections: 256"), "max_peer_connections: 10");
  std::ofstream(conf, std::ios::trunc) << text;
  auto node = Node::Open(dir);
  ASSERT_TRUE(node.ok()) << node.status();
  auto serving = ServingNode::Start(**node, Quiet());
  ASSERT_TRUE(serving.ok()) << serving.status();
  EXPECT_EQ((*serving)->max_peer_connections(), 10);
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  EXPECT_EQ((*serving)->open_file_limit(), limit.rlim_max);  // raised to the hard limit
}

}  // namespace
}  // namespace fedlink::app
