// The coordinator and a member, end to end through files as operators pass
// them: membership requests, signing, installation (key pinning, rollback,
// another federation's key, a roster that does not list the node) and
// removal.
#include "node/app/membership.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/audit.h"
#include "node/app/audit_review.h"
#include "node/app/coordinator.h"
#include "node/app/create_node.h"
#include "node/app/test_key_source.h"
#include "node/common/whole_file.h"

namespace fedlink::app {
namespace {

using ::testing::HasSubstr;

class MembershipTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) {
    const std::string path = ::testing::TempDir() + "/membership-" +
                             ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
                             name;
    std::filesystem::remove_all(path);
    return path;
  }
  // A new node directory, opened.
  std::unique_ptr<Node> NewNode(const std::string& id) {
    const std::string dir = Path(id);
    EXPECT_TRUE(
        CreateNode(dir, {.node_id = id, .organisation = id, .key_source = TestKeyFile()}).ok());
    auto node = Node::Open(dir);
    EXPECT_TRUE(node.ok()) << node.status();
    return *std::move(node);
  }
  // `node`'s membership request, written where the coordinator reads it.
  std::string RequestFile(Node& node) {
    auto text = MembershipRequest(node);
    EXPECT_TRUE(text.ok()) << text.status();
    const std::string path = Path(node.id() + ".txtpb");
    EXPECT_TRUE(common::WriteFileAtomically(path, *text).ok());
    return path;
  }
  std::string Sign(const std::string& coord, const std::string& name) {
    auto signed_roster = SignNextRoster(coord, absl::Hours(1));
    EXPECT_TRUE(signed_roster.ok()) << signed_roster.status();
    const std::string path = Path(name);
    EXPECT_TRUE(common::WriteFileAtomically(path, signed_roster->envelope).ok());
    return path;
  }
  // The outcomes of the node's roster.install entries.
  std::vector<std::string> InstallOutcomes(Node& node) {
    std::vector<std::string> out;
    auto exported = ExportAuditLog(node);
    EXPECT_TRUE(exported.ok()) << exported.status();
    auto entries = VerifiedEntries(exported->bytes);
    EXPECT_TRUE(entries.ok()) << entries.status();
    if (!entries.ok()) return out;
    for (const ExportedEntry& e : *entries) {
      if (e.event == "roster.install") out.push_back(e.outcome);
    }
    return out;
  }
};

TEST_F(MembershipTest, MembersInstallTheSignedRosterWithThePinnedKey) {
  const std::string coord = Path("coord");
  auto vkey = CreateCoordinator(coord, "eu-ht");
  ASSERT_TRUE(vkey.ok()) << vkey.status();
  auto police = NewNode("police"), ngo = NewNode("ngo");
  ASSERT_TRUE(AddMemberFromFile(coord, RequestFile(*police)).ok());
  ASSERT_TRUE(AddMemberFromFile(coord, RequestFile(*ngo)).ok());
  auto signed_roster = SignNextRoster(coord, absl::Hours(1));
  ASSERT_TRUE(signed_roster.ok()) << signed_roster.status();
  EXPECT_EQ(signed_roster->roster.version(), 1u);
  EXPECT_EQ(signed_roster->roster.federation_id(), "eu-ht");
  EXPECT_EQ(signed_roster->roster.members().size(), 2u);
  const std::string roster_file = Path("roster.bin");
  ASSERT_TRUE(common::WriteFileAtomically(roster_file, signed_roster->envelope).ok());

  auto installed = InstallRosterFile(*police, roster_file, *vkey);
  ASSERT_TRUE(installed.ok()) << installed.status();
  EXPECT_TRUE(installed->lists_this_node);
  EXPECT_EQ(installed->roster.version(), 1u);
  auto shown = InstalledRoster(*police);
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_EQ(shown->version(), 1u);
  EXPECT_EQ(InstallOutcomes(*police), std::vector<std::string>{"ok"});

  // The next version installs with the pinned key; removed members are gone.
  ASSERT_TRUE(RemoveRosterMember(coord, "ngo").ok());
  auto next = InstallRosterFile(*police, Sign(coord, "roster2.bin"), "");
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->roster.version(), 2u);
  EXPECT_EQ(next->roster.Find("ngo"), nullptr);
}

TEST_F(MembershipTest, TheFirstInstallNeedsTheFederationKeyAndIsLoggedAnyway) {
  const std::string coord = Path("coord");
  ASSERT_TRUE(CreateCoordinator(coord, "eu-ht").ok());
  auto police = NewNode("police");
  ASSERT_TRUE(AddMemberFromFile(coord, RequestFile(*police)).ok());
  auto installed = InstallRosterFile(*police, Sign(coord, "roster.bin"), "");
  EXPECT_FALSE(installed.ok());
  EXPECT_THAT(installed.status().message(), HasSubstr("--federation-key"));
  const std::vector<std::string> outcomes = InstallOutcomes(*police);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_NE(outcomes[0], "ok");
  EXPECT_TRUE(absl::IsNotFound(InstalledRoster(*police).status()));
}

TEST_F(MembershipTest, ARosterOfAnotherFederationIsRefused) {
  const std::string coord = Path("coord"), other = Path("other");
  ASSERT_TRUE(CreateCoordinator(coord, "eu-ht").ok());
  auto other_key = CreateCoordinator(other, "elsewhere");
  ASSERT_TRUE(other_key.ok());
  auto police = NewNode("police");
  ASSERT_TRUE(AddMemberFromFile(coord, RequestFile(*police)).ok());
  auto installed = InstallRosterFile(*police, Sign(coord, "roster.bin"), *other_key);
  EXPECT_FALSE(installed.ok());
  EXPECT_THAT(installed.status().message(), HasSubstr("not by the expected key"));
}

TEST_F(MembershipTest, AnOlderOrTheSameVersionIsARollback) {
  const std::string coord = Path("coord");
  auto vkey = CreateCoordinator(coord, "eu-ht");
  ASSERT_TRUE(vkey.ok());
  auto police = NewNode("police");
  ASSERT_TRUE(AddMemberFromFile(coord, RequestFile(*police)).ok());
  const std::string v1 = Sign(coord, "v1.bin");
  ASSERT_TRUE(InstallRosterFile(*police, v1, *vkey).ok());
  auto again = InstallRosterFile(*police, v1, "");
  EXPECT_FALSE(again.ok());
  EXPECT_THAT(again.status().message(), HasSubstr("rollback refused"));
}

TEST_F(MembershipTest, InstallingARosterThatOmitsTheNodeIsReported) {
  const std::string coord = Path("coord");
  auto vkey = CreateCoordinator(coord, "eu-ht");
  ASSERT_TRUE(vkey.ok());
  auto police = NewNode("police"), outsider = NewNode("outsider");
  ASSERT_TRUE(AddMemberFromFile(coord, RequestFile(*police)).ok());
  auto installed = InstallRosterFile(*outsider, Sign(coord, "roster.bin"), *vkey);
  ASSERT_TRUE(installed.ok()) << installed.status();
  EXPECT_FALSE(installed->lists_this_node);
}

TEST_F(MembershipTest, MissingFilesAreNamed) {
  const std::string coord = Path("coord");
  ASSERT_TRUE(CreateCoordinator(coord, "eu-ht").ok());
  const std::string missing = Path("missing");
  const absl::Status add = AddMemberFromFile(coord, missing);
  EXPECT_TRUE(absl::IsNotFound(add)) << add;
  EXPECT_THAT(add.message(), HasSubstr(missing));
  auto police = NewNode("police");
  auto installed = InstallRosterFile(*police, missing, "x");
  EXPECT_TRUE(absl::IsNotFound(installed.status())) << installed.status();
}

TEST_F(MembershipTest, AMalformedRequestIsRefused) {
  const std::string coord = Path("coord");
  ASSERT_TRUE(CreateCoordinator(coord, "eu-ht").ok());
  const std::string bad = Path("bad.txtpb");
  ASSERT_TRUE(common::WriteFileAtomically(bad, "node_id: \"Bad Id\"\n").ok());
  EXPECT_FALSE(AddMemberFromFile(coord, bad).ok());
}

TEST_F(MembershipTest, CoordinatorErrors) {
  const std::string coord = Path("coord");
  EXPECT_FALSE(CreateCoordinator(coord, "Not An Id").ok());
  ASSERT_TRUE(CreateCoordinator(coord, "eu-ht").ok());
  const absl::Status again = CreateCoordinator(coord, "eu-ht").status();
  EXPECT_THAT(again.message(), HasSubstr("already a coordinator directory"));
  const absl::Status remove = RemoveRosterMember(coord, "nobody");
  EXPECT_THAT(remove.message(), HasSubstr("no member 'nobody'"));
  EXPECT_FALSE(SignNextRoster(Path("no-coord"), absl::Hours(1)).ok());
}

}  // namespace
}  // namespace fedlink::app
