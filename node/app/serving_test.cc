// Serving a node in-process: the serve lock, the access log's entries, a
// restart in the same process, a policy reload, and the peer port following
// the installed roster.
#include "node/app/serving.h"

#include <grpcpp/grpcpp.h>
#include <sys/resource.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "fedlink/v1/match.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/peers.h"
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
using ::testing::HasSubstr;

// Waits (up to 60 s: ctest runs tests side by side on a loaded CI machine)
// for `done`; no time is asserted, only that it happens.
bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 6000 && !done(); ++i) absl::SleepFor(absl::Milliseconds(10));
  return done();
}

// The NGO's ping of police (a real signed Ping over mutual TLS).
absl::Status NgoPingsPolice(AppFederation& fed) {
  auto report = PingPeers(fed.node("ngo"), absl::Seconds(5));
  if (!report.ok()) return report.status();
  if (report->peers.size() != 1) return absl::InternalError("expected one peer");
  return report->peers[0].status;
}

// Installs at `id` a roster the coordinator signs as if two hours ago, valid
// for one: it installs, and has expired by now.
void InstallExpiredRoster(AppFederation& fed, const std::string& id) {
  const absl::Time then = absl::Now() - absl::Hours(2);
  auto envelope = federation::SignRoster(fed.federation().coordinator(), absl::Hours(1), then);
  ASSERT_TRUE(envelope.ok()) << envelope.status();
  auto installed = federation::InstallRoster(fed.node(id).paths(), *envelope, std::nullopt, then);
  ASSERT_TRUE(installed.ok()) << installed.status();
}

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

namespace fedlink::app {
namespace {

// Finding: a node started without a valid roster never opened its peer port.
// Now it opens as soon as one is installed (`fedlink roster install`), found
// by the node's own periodic check.
TEST(ServingTest, ANodeStartedWithoutARosterServesPeersOnceOneIsInstalled) {
  AppFederation fed({"police", "ngo"});
  Node& police = fed.node("police");
  std::filesystem::remove(police.paths().roster());
  ServeOptions options = Quiet();
  options.roster_check_interval = absl::Milliseconds(20);
  auto serving = ServingNode::Start(police, options);
  ASSERT_TRUE(serving.ok()) << serving.status();
  EXPECT_FALSE((*serving)->serves_peers());
  EXPECT_EQ((*serving)->peers().state, "not served");
  EXPECT_EQ((*serving)->peers().reason, "roster missing");

  fed.SignAndInstallNextRoster();
  ASSERT_TRUE(Eventually([&] { return (*serving)->serves_peers(); }));
  EXPECT_EQ((*serving)->peers().state, "serving");
  EXPECT_THAT((*serving)->peers().detail, HasSubstr(absl::StrCat("on ", police.config().listen,
                                                                 " (roster version 2, expires ")));
  const absl::Status ping = NgoPingsPolice(fed);
  EXPECT_TRUE(ping.ok()) << ping;
}

// SIGHUP runs CheckRoster: with the periodic check off, the port opens at it.
TEST(ServingTest, CheckRosterOpensThePeerPortAsSigHupDoes) {
  AppFederation fed({"police", "ngo"});
  std::filesystem::remove(fed.node("police").paths().roster());
  ServeOptions options = Quiet();
  options.roster_check_interval = absl::ZeroDuration();
  auto serving = ServingNode::Start(fed.node("police"), options);
  ASSERT_TRUE(serving.ok()) << serving.status();
  fed.SignAndInstallNextRoster();
  EXPECT_FALSE((*serving)->serves_peers());  // nobody looked yet
  EXPECT_EQ((*serving)->CheckRoster().state, "serving");
  EXPECT_TRUE((*serving)->serves_peers());
  const absl::Status ping = NgoPingsPolice(fed);
  EXPECT_TRUE(ping.ok()) << ping;
}

// Finding: "no roster installed" was said of any unusable roster. Missing,
// corrupt, expired and rolled back each say so, before the port opens ("not
// served") and after ("refused": every peer's request is refused, and the
// peer is told why).
TEST(ServingTest, EachUnusableRosterSaysWhyPeersAreNotServed) {
  AppFederation fed({"police", "ngo"});
  Node& police = fed.node("police");
  const std::string roster_path = police.paths().roster();
  const std::string v1 = *common::ReadWholeFile(roster_path);
  std::filesystem::remove(roster_path);
  ServeOptions options = Quiet();
  options.roster_check_interval = absl::ZeroDuration();
  std::vector<std::string> heard;  // on_peers runs in CheckRoster's thread here
  options.on_peers = [&heard](const server::PeerService& p) {
    heard.push_back(server::FormatPeerService(p));
  };
  auto serving = ServingNode::Start(police, options);
  ASSERT_TRUE(serving.ok()) << serving.status();
  ServingNode& node = **serving;
  auto expect = [&](const std::string& state, const std::string& reason,
                    const std::string& detail) {
    const server::PeerService p = node.CheckRoster();
    EXPECT_EQ(p.state, state) << p.detail;
    EXPECT_EQ(p.reason, reason) << p.detail;
    EXPECT_THAT(p.detail, HasSubstr(detail));
    EXPECT_EQ(node.peers(), p);
  };
  expect("not served", "roster missing", "no roster installed (run `fedlink roster install`)");
  std::ofstream(roster_path, std::ios::trunc) << "not a roster";
  expect("not served", "roster corrupt", "roster.bin: the installed roster is corrupt: ");
  InstallExpiredRoster(fed, "police");  // version 2
  expect("not served", "roster expired", "roster.bin: roster version 2 expired at ");
  std::ofstream(roster_path, std::ios::trunc) << v1;
  expect("not served", "roster rolled back",
         "roster version 1 is older than version 2 installed before (rollback refused");
  EXPECT_FALSE(node.serves_peers());

  fed.SignAndInstallNextRoster();  // version 3
  expect("serving", "", "(roster version 3, expires ");
  ASSERT_TRUE(NgoPingsPolice(fed).ok());
  InstallExpiredRoster(fed, "police");  // version 4: police's roster expired
  expect("refused", "roster expired", "roster version 4 expired at ");
  const absl::Status refused = NgoPingsPolice(fed);
  EXPECT_TRUE(absl::IsFailedPrecondition(refused)) << refused;
  EXPECT_EQ(refused.message(),
            "police refuses every request until it has a valid roster installed (roster expired)");
  std::ofstream(roster_path, std::ios::trunc) << "garbage";
  expect("refused", "roster corrupt", "the installed roster is corrupt");
  fed.SignAndInstallNextRoster();  // version 5
  expect("serving", "", "(roster version 5, expires ");
  EXPECT_TRUE(NgoPingsPolice(fed).ok());
  // Each change was heard once (what `fedlink serve` logs).
  ASSERT_EQ(heard.size(), 8u);
  EXPECT_THAT(heard[0], HasSubstr("not served (roster missing): "));
  EXPECT_THAT(heard[5], HasSubstr("refused (roster expired): "));
  EXPECT_THAT(heard[7], HasSubstr("serving on "));
}

// The health check tells the truth: an expired roster is NOT_SERVING (over
// the admin socket's grpc.health.v1 and in Admin.Status, saying why); a
// roster expiring within 7 days only warns; a newer roster serves again.
TEST(ServingTest, HealthIsNotServingWhileTheRosterIsExpiredAndWarnsBeforehand) {
  AppFederation fed({"police", "ngo"});
  Node& police = fed.node("police");
  const common::NodePaths& paths = police.paths();
  auto install_valid_for = [&](absl::Duration valid_for) {
    auto envelope = federation::SignRoster(fed.federation().coordinator(), valid_for, absl::Now());
    ASSERT_TRUE(envelope.ok()) << envelope.status();
    ASSERT_TRUE(federation::InstallRoster(paths, *envelope, std::nullopt, absl::Now()).ok());
  };
  install_valid_for(absl::Hours(24 * 30));
  ServeOptions options = Quiet();
  options.roster_check_interval = absl::ZeroDuration();
  std::vector<server::NodeHealth> heard;
  options.on_health = [&heard](const server::NodeHealth& h) { heard.push_back(h); };
  auto serving = ServingNode::Start(police, options);
  ASSERT_TRUE(serving.ok()) << serving.status();
  ServingNode& node = **serving;
  EXPECT_TRUE(node.health().serving);
  EXPECT_TRUE(node.health().warnings.empty());
  EXPECT_TRUE(*server::NodeIsServing(paths, absl::Seconds(5)));

  InstallExpiredRoster(fed, "police");
  node.CheckRoster();
  EXPECT_FALSE(node.health().serving);
  EXPECT_FALSE(*server::NodeIsServing(paths, absl::Seconds(5)));
  auto status = server::FetchNodeStatus(paths, absl::Seconds(5));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_FALSE(status->health.serving);
  ASSERT_EQ(status->health.problems.size(), 1u);
  EXPECT_THAT(status->health.problems[0], HasSubstr("roster expired: "));
  EXPECT_THAT(server::FormatNodeStatus(*status),
              ::testing::StartsWith("health: NOT_SERVING\nproblem: roster expired: "));

  install_valid_for(absl::Hours(72));  // serving, with a warning
  node.CheckRoster();
  EXPECT_TRUE(node.health().serving);
  EXPECT_TRUE(*server::NodeIsServing(paths, absl::Seconds(5)));
  status = server::FetchNodeStatus(paths, absl::Seconds(5));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(status->health.serving);
  ASSERT_EQ(status->health.warnings.size(), 1u);
  EXPECT_THAT(status->health.warnings[0], HasSubstr("(in less than 7 days): install a newer"));
  EXPECT_THAT(server::FormatNodeStatus(*status),
              ::testing::StartsWith("health: SERVING\nwarning: roster version "));

  install_valid_for(absl::Hours(24 * 30));
  node.CheckRoster();
  EXPECT_TRUE(node.health().serving);
  EXPECT_TRUE(node.health().warnings.empty());
  // Each change heard once: expired, expiring, fine.
  ASSERT_EQ(heard.size(), 3u);
  EXPECT_FALSE(heard[0].serving);
  EXPECT_EQ(heard[1].warnings.size(), 1u);
  EXPECT_TRUE(heard[2].serving && heard[2].warnings.empty());
}

// The open log is verified again while serving: an entry changed on disk
// (by another process) makes the node NOT_SERVING, and it stays so.
TEST(ServingTest, HealthIsNotServingOnceTheLogFailsVerification) {
  AppFederation fed({"police", "ngo"});
  Node& police = fed.node("police");
  auto serving = ServingNode::Start(police, Quiet());
  ASSERT_TRUE(serving.ok()) << serving.status();
  ServingNode& node = **serving;
  EXPECT_TRUE(node.CheckHealth().serving);
  ASSERT_TRUE((*police.AuditLog())->Checkpoint().ok());
  // Another process rewrites an entry (sqlite3 CLI: not a second connection
  // in this process, which would break the open log's locks).
  const std::string cmd = "sqlite3 -cmd '.timeout 5000' '" + police.paths().dir +
                          "/audit.db' \"UPDATE entries SET leaf = leaf || x'00' WHERE idx = 0\"";
  if (std::system("command -v sqlite3 >/dev/null") != 0) GTEST_SKIP() << "no sqlite3 CLI";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const server::NodeHealth h = node.CheckHealth();
  EXPECT_FALSE(h.serving);
  ASSERT_EQ(h.problems.size(), 1u);
  EXPECT_THAT(h.problems[0], HasSubstr("access log failed verification: "));
  EXPECT_FALSE(*server::NodeIsServing(police.paths(), absl::Seconds(5)));
  EXPECT_FALSE(node.CheckHealth().serving);
}

}  // namespace
}  // namespace fedlink::app
