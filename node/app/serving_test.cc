// Serving a node in-process: the serve lock, the access log's entries, a
// restart in the same process, and a policy reload.
#include "node/app/serving.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/test_app_federation.h"

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

}  // namespace
}  // namespace fedlink::app
