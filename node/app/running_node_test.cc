// Asking a running node over its admin socket, and a node that is not
// running.
#include "node/app/running_node.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
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
  EXPECT_EQ(status->peers.state, "serving");
  EXPECT_THAT(server::FormatNodeStatus(*status),
              HasSubstr(absl::StrCat("\npeers: serving on ", fed.node("police").config().listen,
                                     " (roster version 1, expires ")));
}

TEST(RunningNodeTest, StatusSaysWhyPeersAreNotServed) {
  testing::AppFederation fed({"police"});
  std::filesystem::remove(fed.node("police").paths().roster());
  fed.Serve("police");
  auto status = AskRunningNode(fed.node("police").paths().dir);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->peers.state, "not served");
  EXPECT_EQ(status->peers.reason, "roster missing");
  EXPECT_THAT(server::FormatNodeStatus(*status),
              HasSubstr("\npeers: not served (roster missing): "));
}

// What `fedlink status` prints came partly from files (the organisation) and
// errors quoting them: escaped, one line each.
TEST(RunningNodeTest, StatusLinesAreEscapedForDisplay) {
  server::NodeStatus status;
  status.node_id = "police";
  status.organisation = "Police\x1b[2J\nnode_id: forged";
  status.peers = {"not served", "roster corrupt", "bad\nline\x1b]0;x\x07"};
  const std::string shown = server::FormatNodeStatus(status);
  EXPECT_EQ(shown.find('\x1b'), std::string::npos);
  EXPECT_EQ(shown.find('\x07'), std::string::npos);
  EXPECT_THAT(shown, HasSubstr("organisation: Police\\x1b[2J\\x0anode_id: forged\n"));
  EXPECT_THAT(shown, HasSubstr("peers: not served (roster corrupt): bad\\x0aline\\x1b]0;x\\x07\n"));
}

TEST(RunningNodeTest, ANodeThatIsNotServingIsNotRunning) {
  testing::AppFederation fed({"police"});
  auto status = AskRunningNode(fed.node("police").paths().dir, absl::Seconds(1));
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.status().message(), HasSubstr("node is not running"));
}

TEST(RunningNodeTest, NeedsADirectory) {
  EXPECT_EQ(AskRunningNode("").status(), absl::InvalidArgumentError("node directory is required"));
}

}  // namespace
}  // namespace fedlink::app
