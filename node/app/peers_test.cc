// Pinging the node's peers over mutual TLS: reachable and unreachable
// members, and a node without a roster.
#include "node/app/peers.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "node/app/create_node.h"
#include "node/app/test_app_federation.h"
#include "node/app/test_key_source.h"

namespace fedlink::app {
namespace {

TEST(PeersTest, ReachablePeersAnswerAndUnreachableOnesAreNamed) {
  testing::AppFederation fed({"police", "ngo", "shelter"});
  fed.Serve("ngo");  // the shelter is down
  auto report = PingPeers(fed.node("police"), absl::Seconds(2));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->roster_version, 1u);
  EXPECT_EQ(report->federation_id, "test-fed");
  ASSERT_EQ(report->peers.size(), 2u);
  EXPECT_EQ(report->unreachable(), 1u);
  for (const PeerPing& p : report->peers) {
    EXPECT_EQ(p.endpoint, fed.node(p.node_id).config().listen);
    if (p.node_id == "ngo") {
      EXPECT_TRUE(p.status.ok()) << p.status;
      EXPECT_EQ(p.roster_version, 1u);
    } else {
      EXPECT_EQ(p.node_id, "shelter");
      EXPECT_TRUE(absl::IsUnavailable(p.status) || absl::IsDeadlineExceeded(p.status)) << p.status;
    }
  }
}

TEST(PeersTest, NeedsAnInstalledRoster) {
  const std::string dir = ::testing::TempDir() + "/peers-test-loner";
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(
      CreateNode(dir, {.node_id = "loner", .organisation = "L", .key_source = TestKeyFile()}).ok());
  auto node = Node::Open(dir);
  ASSERT_TRUE(node.ok()) << node.status();
  auto report = PingPeers(**node, absl::Seconds(1));
  EXPECT_TRUE(absl::IsNotFound(report.status())) << report.status();
}

}  // namespace
}  // namespace fedlink::app
