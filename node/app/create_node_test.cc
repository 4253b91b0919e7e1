// Creating a node directory, and each setting refused.
#include "node/app/create_node.h"

#include <filesystem>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/node.h"
#include "node/app/test_key_source.h"
#include "node/common/node_paths.h"
#include "node/common/whole_file.h"

namespace fedlink::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string FreshDir() {
  const std::string dir = ::testing::TempDir() + "/create-node-" +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::filesystem::remove_all(dir);
  return dir;
}

NodeSettings Valid() {
  return {.node_id = "ngo-1", .organisation = "Shelter", .key_source = TestKeyFile()};
}

TEST(CreateNodeTest, CreatesANodeThatOpensWithItsSettings) {
  const std::string dir = FreshDir();
  NodeSettings settings = Valid();
  settings.role = "ngo";
  settings.listen = "127.0.0.1:7999";
  settings.default_region = "DE";
  settings.epoch_days = 14;
  settings.max_table_records = 5000;
  ASSERT_TRUE(CreateNode(dir, settings).ok());
  auto node = Node::Open(dir);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ((*node)->id(), "ngo-1");
  EXPECT_EQ((*node)->config().organisation, "Shelter");
  EXPECT_EQ((*node)->config().role, config::NodeRole::kNgo);
  EXPECT_EQ((*node)->config().listen, "127.0.0.1:7999");
  EXPECT_EQ((*node)->config().default_region, "DE");
  EXPECT_EQ((*node)->config().epoch_days, 14);
  EXPECT_EQ((*node)->config().max_table_records, 5000u);
  EXPECT_NE((*node)->identity(), nullptr);
}

// The TLS certificate is what any scanner reaching the peer port sees: it
// names neither the node nor its organisation, in any field (the roster's
// pinned fingerprint binds it to the node).
TEST(CreateNodeTest, TheTlsCertificateNamesNeitherTheNodeNorItsOrganisation) {
  const std::string dir = FreshDir();
  ASSERT_TRUE(CreateNode(dir, {.node_id = "police-1",
                               .organisation = "Metropolitan Police",
                               .key_source = TestKeyFile()})
                  .ok());
  auto pem = common::ReadWholeFile(common::NodePaths(dir).tls_cert());
  ASSERT_TRUE(pem.ok()) << pem.status();
  std::string der;
  for (absl::string_view line : absl::StrSplit(*pem, '\n')) {
    if (line.empty() || absl::StartsWith(line, "-----")) continue;
    std::string bytes;
    ASSERT_TRUE(absl::Base64Unescape(line, &bytes));
    der += bytes;
  }
  ASSERT_GT(der.size(), 100u);
  EXPECT_THAT(der, Not(HasSubstr("police")));
  EXPECT_THAT(der, Not(HasSubstr("Metropolitan")));
  EXPECT_THAT(der, HasSubstr("fedlink-node"));
}

TEST(CreateNodeTest, NeedsANodeIdAndAnOrganisation) {
  NodeSettings no_id = Valid();
  no_id.node_id = "";
  EXPECT_EQ(CreateNode(FreshDir(), no_id), absl::InvalidArgumentError("node id is required"));
  NodeSettings no_org = Valid();
  no_org.organisation = "";
  EXPECT_EQ(CreateNode(FreshDir(), no_org), absl::InvalidArgumentError("organisation is required"));
}

TEST(CreateNodeTest, RefusesAnUnknownRole) {
  NodeSettings settings = Valid();
  settings.role = "police";
  const absl::Status s = CreateNode(FreshDir(), settings);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("unknown node role"));
}

TEST(CreateNodeTest, RefusesAnEpochOutsideOneYear) {
  for (int days : {0, 367}) {
    NodeSettings settings = Valid();
    settings.epoch_days = days;
    EXPECT_EQ(CreateNode(FreshDir(), settings), absl::InvalidArgumentError("epoch days: 1 to 366"));
  }
}

TEST(CreateNodeTest, RefusesAnEmptyTableLimit) {
  NodeSettings settings = Valid();
  settings.max_table_records = 0;
  EXPECT_EQ(CreateNode(FreshDir(), settings),
            absl::InvalidArgumentError("max table records: at least 1"));
}

TEST(CreateNodeTest, RefusesABadNodeId) {
  NodeSettings settings = Valid();
  settings.node_id = "Police_1";
  const absl::Status s = CreateNode(FreshDir(), settings);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("node id may hold only"));
}

TEST(CreateNodeTest, RefusesAnExistingNodeDirectory) {
  const std::string dir = FreshDir();
  ASSERT_TRUE(CreateNode(dir, Valid()).ok());
  const absl::Status again = CreateNode(dir, Valid());
  EXPECT_FALSE(again.ok());
  EXPECT_THAT(again.message(), HasSubstr("already a node directory"));
}

}  // namespace
}  // namespace fedlink::app
