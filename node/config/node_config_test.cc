#include "node/config/node_config.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::config {
namespace {

using ::testing::HasSubstr;

TEST(NodeConfigTest, FormatsAndParsesBack) {
  NodeConfig c;
  c.node_id = "police-1";
  c.organisation = "Metro Police";
  c.role = NodeRole::kNgo;
  c.listen = "0.0.0.0:9000";
  c.default_region = "UA";
  c.schema_version = 1;
  auto back = ParseNodeConfig(FormatNodeConfig(c), "node.conf");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->node_id, "police-1");
  EXPECT_EQ(back->organisation, "Metro Police");
  EXPECT_EQ(back->role, NodeRole::kNgo);
  EXPECT_EQ(back->listen, "0.0.0.0:9000");
  EXPECT_EQ(back->default_region, "UA");
}

// A node behind NAT or a proxy binds one address and is reached at another.
TEST(NodeConfigTest, AdvertiseIsSeparateFromListenAndDefaultsToIt) {
  NodeConfig c;
  c.node_id = "ngo-1";
  c.listen = "0.0.0.0:7443";
  auto plain = ParseNodeConfig(FormatNodeConfig(c), "node.conf");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->advertise, "");
  EXPECT_EQ(AdvertisedAddress(*plain), "0.0.0.0:7443");
  c.advertise = "fedlink.ngo.example:443";
  auto back = ParseNodeConfig(FormatNodeConfig(c), "node.conf");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->listen, "0.0.0.0:7443");
  EXPECT_EQ(AdvertisedAddress(*back), "fedlink.ngo.example:443");
  auto bad = ParseNodeConfig("node_id: \"a\" role: NODE_ROLE_NGO advertise: \"host\"", "n.conf");
  EXPECT_THAT(bad.status().message(), HasSubstr("n.conf: advertise: "));
}

TEST(NodeConfigTest, ReportsSyntaxErrorsWithLine) {
  auto c = ParseNodeConfig("node_id: \"a\"\nrole: NODE_ROLE_AGENCY\nbogus_field: 1\n", "x.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("x.conf: line 3"));
}

TEST(NodeConfigTest, RejectsBadValues) {
  EXPECT_FALSE(ParseNodeConfig("node_id: \"Bad Id\" role: NODE_ROLE_AGENCY", "c").ok());
  EXPECT_FALSE(ParseNodeConfig("node_id: \"a\"", "c").ok());  // no role
  EXPECT_FALSE(ParseNodeConfig("node_id: \"a\" role: NODE_ROLE_NGO listen: \"host\"", "c").ok());
  EXPECT_FALSE(ParseNodeConfig("node_id: \"a\" role: NODE_ROLE_NGO listen: \"h:70000\"", "c").ok());
}

TEST(NodeConfigTest, MaxPeerConnectionsDefaultsTo256AndIsBounded) {
  auto plain = ParseNodeConfig("node_id: \"a\" role: NODE_ROLE_AGENCY", "c");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->max_peer_connections, 256);
  auto set = ParseNodeConfig("node_id: \"a\" role: NODE_ROLE_AGENCY max_peer_connections: 40", "c");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->max_peer_connections, 40);
  EXPECT_EQ(ParseNodeConfig(FormatNodeConfig(*set), "c")->max_peer_connections, 40);
  auto huge =
      ParseNodeConfig("node_id: \"a\" role: NODE_ROLE_AGENCY max_peer_connections: 70000", "c");
  EXPECT_THAT(std::string(huge.status().message()), HasSubstr("c: max_peer_connections: 1 to"));
}

// The endpoint goes into the roster and onto every member's screen.
TEST(NodeConfigTest, KeyspecDefaultsToOneAndIsOneOrTwo) {
  auto plain = ParseNodeConfig("node_id: \"a\" role: NODE_ROLE_AGENCY", "c");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->keyspec, 1);
  auto two = ParseNodeConfig("node_id: \"a\" role: NODE_ROLE_AGENCY keyspec: 2", "c");
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->keyspec, 2);
  EXPECT_EQ(ParseNodeConfig(FormatNodeConfig(*two), "c")->keyspec, 2);
  auto bad = ParseNodeConfig("node_id: \"a\" role: NODE_ROLE_AGENCY keyspec: 3", "node.conf");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("node.conf: keyspec"), std::string::npos) << bad.status();
}

TEST(NodeConfigTest, ListenHostsAreNamesOrAddressesOnly) {
  for (const char* ok : {"0.0.0.0:1", "[::1]:7443", "ngo-2.example.org:7443", "[fe80::1%eth0]:1"}) {
    EXPECT_TRUE(ValidateListenAddress(ok).ok()) << ok;
  }
  for (const char* bad : {"h\x1b[2J:7443", "h\nforged line:7443", "a b:1", "h\xc2\x9b:1"}) {
    EXPECT_FALSE(ValidateListenAddress(bad).ok()) << bad;
  }
}

TEST(NodeConfigTest, ValidatesNodeIds) {
  EXPECT_TRUE(ValidateNodeId("ngo-2.eu").ok());
  EXPECT_FALSE(ValidateNodeId("").ok());
  EXPECT_FALSE(ValidateNodeId("-lead").ok());
  EXPECT_FALSE(ValidateNodeId("UPPER").ok());
  EXPECT_FALSE(ValidateNodeId("a/b").ok());
  EXPECT_FALSE(ValidateNodeId(std::string(65, 'a')).ok());
}

TEST(NodeConfigTest, MissingDirectoryAndFileAreClearErrors) {
  auto dir = std::filesystem::path(::testing::TempDir()) / "cfgtest";
  std::filesystem::remove_all(dir);
  auto missing_dir = LoadNodeConfig(common::NodePaths(dir.string()));
  EXPECT_THAT(std::string(missing_dir.status().message()), HasSubstr("not a node directory"));
  std::filesystem::create_directories(dir);
  auto missing_file = LoadNodeConfig(common::NodePaths(dir.string()));
  EXPECT_THAT(std::string(missing_file.status().message()),
              HasSubstr("missing node configuration"));
  std::ofstream(dir / "node.conf") << "node_id: ";
  auto corrupt = LoadNodeConfig(common::NodePaths(dir.string()));
  EXPECT_TRUE(absl::IsInvalidArgument(corrupt.status()));
}

}  // namespace
}  // namespace fedlink::config
