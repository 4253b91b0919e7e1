// Asking a running node over its admin socket, and a node that is not
// running.
#include "node/app/running_node.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/test_app_federation.h"

namespace fedlink::app {
namespace {

using ::testing::HasSubstr;

TEST(RunningNodeTest, AServingNodeReportsItsStatus) {
  testing::AppFederation fed({"police"});
  fed.Add("police", {testing::Victim("P-1", "Maria", "Ivanova", "1990-04-12", "")});
  fed.Serve("police");
  auto status = AskRunningNode(fed.node("police").paths().dir);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->node_id, "police");
  EXPECT_EQ(status->record_count, 1u);
}

TEST(RunningNodeTest, ANodeThatIsNotServingIsNotRunning) {
  testing::AppFederation fed({"police"});
  auto status = AskRunningNode(fed.node("police").paths().dir, absl::Seconds(1));
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.status().message(), HasSubstr("node is not running"));
}

TEST(RunningNodeTest, NeedsADirectory) {
  EXPECT_EQ(AskRunningNode("").status(), absl::InvalidArgumentError("--dir is required"));
}

}  // namespace
}  // namespace fedlink::app
