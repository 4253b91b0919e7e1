// `fedlink rotate identity` (identity_rotation.h): the pending key waits
// until an installed roster names it, the switch is recorded in the access
// log, and a switch a crash interrupted is finished by the next opening.
#include "node/app/identity_rotation.h"

#include <filesystem>
#include <fstream>

#include "fedlink/v1/audit.pb.h"
#include "gtest/gtest.h"
#include "node/app/membership.h"
#include "node/app/test_app_federation.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"

namespace fedlink::app {
namespace {

class IdentityRotationTest : public ::testing::Test {
 protected:
  Node& ngo() { return fed_.node("ngo"); }
  std::string Dir() { return ngo().paths().dir; }
  // The coordinator adds `request` and signs the next roster, written to a
  // file beside the nodes.
  std::string NextRoster(const std::string& request) {
    const std::string coord = fed_.federation().coordinator();
    EXPECT_TRUE(federation::AddMember(coord, request, "ngo").ok());
    auto envelope = federation::SignRoster(coord, absl::Hours(24), absl::Now());
    EXPECT_TRUE(envelope.ok()) << envelope.status();
    const std::string path = absl::StrCat(coord, "/next-", ++rosters_, ".bin");
    std::ofstream(path, std::ios::binary) << *envelope;
    return path;
  }
  std::string IdentityFile() { return *common::ReadWholeFile(Dir() + "/identity.key"); }
  // Whole export of ngo's log, opened afresh, verified against `vkey`.
  absl::StatusOr<audit::VerifiedExport> Verified(const std::string& vkey) {
    ASSIGN_OR_RETURN(auto node, Node::Open(Dir()));
    ASSIGN_OR_RETURN(audit::AuditLog * log, node->AuditLog());
    ASSIGN_OR_RETURN(const std::string bytes, log->Export());
    return audit::VerifyExport(bytes, vkey);
  }

  testing::AppFederation fed_{{"police", "ngo"}};
  int rosters_ = 0;
};

TEST_F(IdentityRotationTest, TheKeyWaitsForTheRosterThenTheLogRecordsTheSwitch) {
  const std::string old_vkey = ngo().identity()->VerifierKey();
  const std::string old_file = IdentityFile();
  auto request = RotateIdentityKey(ngo());
  ASSERT_TRUE(request.ok()) << request.status();
  auto member = federation::ParseMemberRequest(*request, "request");
  ASSERT_TRUE(member.ok()) << member.status();
  const std::string new_vkey = member->identity_vkey;
  EXPECT_NE(new_vkey, old_vkey);
  // Waiting (sealed on a node with a data key: tests/rotation_cli_test.sh).
  auto pending = LoadPendingIdentityKey(ngo().paths(), ngo().opened().file_key());
  ASSERT_TRUE(pending.ok() && *pending != nullptr) << pending.status();
  EXPECT_EQ((*pending)->VerifierKey(), new_vkey);

  // A roster that does not name the new key (the same one again): no switch.
  auto same = InstallRosterFile(ngo(), NextRoster(*MembershipRequest(ngo())), "");
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_FALSE(same->switched_identity_key);
  EXPECT_EQ(IdentityFile(), old_file);
  EXPECT_EQ(ngo().identity()->VerifierKey(), old_vkey);

  auto installed = InstallRosterFile(ngo(), NextRoster(*request), "");
  ASSERT_TRUE(installed.ok()) << installed.status();
  EXPECT_TRUE(installed->switched_identity_key);
  EXPECT_EQ(ngo().identity()->VerifierKey(), new_vkey);
  EXPECT_NE(IdentityFile(), old_file);
  EXPECT_FALSE(std::filesystem::exists(Dir() + "/identity.key.next"));
  // A node opened afresh loads the new key; its log verifies from the old
  // key to the new one and records the change.
  auto reopened = Node::Open(Dir());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->identity()->VerifierKey(), new_vkey);
  reopened->reset();
  auto verified = Verified(new_vkey);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->identity_vkeys, (std::vector<std::string>{old_vkey, new_vkey}));
  int changes = 0, rotations = 0;
  for (const std::string& bytes : verified->serialized_entries) {
    fedlink::v1::AuditEntry e;
    ASSERT_TRUE(e.ParseFromString(bytes));
    changes += e.event() == audit::kIdentitySwitchEvent;
    rotations += e.event() == "keys.rotate-identity";
  }
  EXPECT_EQ(changes, 1);
  EXPECT_EQ(rotations, 1);
}

// The node stopped after the log recorded the change, before identity.key
// was replaced: opening it finishes the switch.
TEST_F(IdentityRotationTest, AnInterruptedSwitchIsFinishedByTheNextOpening) {
  const std::string old_vkey = ngo().identity()->VerifierKey();
  ASSERT_TRUE(RotateIdentityKey(ngo()).ok());
  auto next = LoadPendingIdentityKey(ngo().paths(), ngo().opened().file_key());
  ASSERT_TRUE(next.ok() && *next != nullptr);
  {
    // The log's half of the switch, done by hand.
    auto log = audit::AuditLog::Open(Dir(), ngo().identity(), nullptr, next->get());
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->SwitchIdentity(next->get()).ok());
  }
  // Opened with the old key alone, the log is refused; a Node loads the
  // pending key with it and finishes.
  EXPECT_TRUE(absl::IsDataLoss(audit::AuditLog::Open(Dir(), ngo().identity()).status()));
  auto node = Node::Open(Dir());
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ((*node)->identity()->VerifierKey(), old_vkey);  // before the log is opened
  ASSERT_TRUE((*node)->AuditLog().ok());
  EXPECT_EQ((*node)->identity()->VerifierKey(), (*next)->VerifierKey());
  EXPECT_FALSE(std::filesystem::exists(Dir() + "/identity.key.next"));
  node->reset();
  auto reopened = Node::Open(Dir());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->identity()->VerifierKey(), (*next)->VerifierKey());
  reopened->reset();
  EXPECT_TRUE(Verified(old_vkey).ok());
}

// A second rotation before the roster named the first replaces the pending
// key; a roster naming the replaced one switches to nothing.
TEST_F(IdentityRotationTest, ASecondRotationReplacesThePendingKey) {
  auto first = RotateIdentityKey(ngo());
  ASSERT_TRUE(first.ok());
  auto second = RotateIdentityKey(ngo());
  ASSERT_TRUE(second.ok());
  EXPECT_NE(*first, *second);
  auto stale = InstallRosterFile(ngo(), NextRoster(*first), "");
  ASSERT_TRUE(stale.ok()) << stale.status();
  EXPECT_FALSE(stale->switched_identity_key);
  EXPECT_TRUE(std::filesystem::exists(Dir() + "/identity.key.next"));
}

}  // namespace
}  // namespace fedlink::app
