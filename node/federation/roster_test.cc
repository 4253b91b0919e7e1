#include "node/federation/roster.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "crypto/signed_envelope.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/common/whole_file.h"
#include "node/config/node_dir.h"

namespace fedlink::federation {
namespace {

using ::testing::HasSubstr;

class RosterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::path(::testing::TempDir()) /
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(root_);
    coord_ = (root_ / "coord").string();
    auto vkey = InitCoordinator(coord_, "eu-ht");
    ASSERT_TRUE(vkey.ok()) << vkey.status();
    vkey_ = *vkey;
    for (const char* id : {"police-1", "ngo-1"}) AddNode(id);
  }

  void AddNode(const std::string& id) {
    const std::string dir = (root_ / id).string();
    config::NodeConfig c;
    c.node_id = id;
    c.organisation = id;
    ASSERT_TRUE(config::InitNode(dir, c).ok());
    auto node = config::OpenNode(dir, {});
    ASSERT_TRUE(node.ok());
    auto request = MemberRequest((*node)->paths, (*node)->config, (*node)->identity->VerifierKey());
    ASSERT_TRUE(request.ok()) << request.status();
    ASSERT_TRUE(AddMember(coord_, *request, id + ".txtpb").ok());
  }

  common::NodePaths Paths(const std::string& id) {
    return common::NodePaths((root_ / id).string());
  }

  std::filesystem::path root_;
  std::string coord_, vkey_;
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
};

TEST_F(RosterTest, SignInstallAndFindMembers) {
  auto signed_roster = SignRoster(coord_, absl::Hours(24), now_);
  ASSERT_TRUE(signed_roster.ok()) << signed_roster.status();
  auto roster = InstallRoster(Paths("police-1"), *signed_roster, vkey_, now_);
  ASSERT_TRUE(roster.ok()) << roster.status();
  EXPECT_EQ(roster->version(), 1u);
  EXPECT_EQ(roster->federation_id(), "eu-ht");
  ASSERT_NE(roster->Find("ngo-1"), nullptr);
  EXPECT_EQ(roster->Find("ngo-1")->role, "agency");
  EXPECT_EQ(roster->Find("ngo-1")->tls_cert_sha256.size(), 64u);
  auto loaded = LoadInstalledRoster(Paths("police-1"), now_);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->version(), 1u);
}

TEST_F(RosterTest, FirstInstallNeedsTheFederationKeyAndLaterOnesCannotChangeIt) {
  auto r1 = *SignRoster(coord_, absl::Hours(24), now_);
  EXPECT_THAT(std::string(InstallRoster(Paths("ngo-1"), r1, std::nullopt, now_).status().message()),
              HasSubstr("--federation-key"));
  ASSERT_TRUE(InstallRoster(Paths("ngo-1"), r1, vkey_, now_).ok());
  auto other = crypto::SigningKey::Generate("eu-ht/roster");
  auto r2 = *SignRoster(coord_, absl::Hours(24), now_);
  EXPECT_TRUE(absl::IsPermissionDenied(
      InstallRoster(Paths("ngo-1"), r2, (*other)->VerifierKey(), now_).status()));
  EXPECT_TRUE(InstallRoster(Paths("ngo-1"), r2, std::nullopt, now_).ok());  // pinned key used
}

TEST_F(RosterTest, RefusesRollbackAndReplayOfTheSameVersion) {
  auto r1 = *SignRoster(coord_, absl::Hours(24), now_);
  auto r2 = *SignRoster(coord_, absl::Hours(24), now_);
  ASSERT_TRUE(InstallRoster(Paths("police-1"), r2, vkey_, now_).ok());
  EXPECT_THAT(
      std::string(InstallRoster(Paths("police-1"), r1, std::nullopt, now_).status().message()),
      HasSubstr("rollback refused"));
  EXPECT_FALSE(InstallRoster(Paths("police-1"), r2, std::nullopt, now_).ok());
  EXPECT_EQ(LoadInstalledRoster(Paths("police-1"), now_)->version(), 2u);
}

TEST_F(RosterTest, AnExpiredRosterDoesNotOpenTheDoorToAnOlderOne) {
  // v1 lists everyone for a year; v2 (which would revoke someone) for an
  // hour. Once v2 has expired, v1 must not come back.
  auto r1 = *SignRoster(coord_, absl::Hours(24 * 365), now_);
  auto r2 = *SignRoster(coord_, absl::Hours(1), now_);
  ASSERT_TRUE(InstallRoster(Paths("police-1"), r1, vkey_, now_).ok());
  ASSERT_TRUE(InstallRoster(Paths("police-1"), r2, std::nullopt, now_).ok());
  const absl::Time later = now_ + absl::Hours(2);
  EXPECT_THAT(
      std::string(InstallRoster(Paths("police-1"), r1, std::nullopt, later).status().message()),
      HasSubstr("rollback refused"));
  // Nor by copying the old file back over roster.bin (the server reloads it).
  std::ofstream(Paths("police-1").roster(), std::ios::binary | std::ios::trunc) << r1;
  EXPECT_THAT(std::string(LoadInstalledRoster(Paths("police-1"), later).status().message()),
              HasSubstr("rollback refused"));
}

TEST_F(RosterTest, RefusesExpiredRosters) {
  auto r = *SignRoster(coord_, absl::Hours(1), now_);
  EXPECT_THAT(
      std::string(
          InstallRoster(Paths("police-1"), r, vkey_, now_ + absl::Hours(2)).status().message()),
      HasSubstr("expired"));
  ASSERT_TRUE(InstallRoster(Paths("police-1"), r, vkey_, now_).ok());
  // An installed roster that has since expired is no longer usable.
  EXPECT_FALSE(LoadInstalledRoster(Paths("police-1"), now_ + absl::Hours(2)).ok());
}

TEST_F(RosterTest, RefusesTamperedAndForeignRosters) {
  std::string r = *SignRoster(coord_, absl::Hours(24), now_);
  for (size_t i = 0; i < r.size(); i += 13) {
    std::string t = r;
    t[i] ^= 0x01;
    EXPECT_FALSE(InstallRoster(Paths("police-1"), t, vkey_, now_).ok()) << i;
  }
  // A roster signed by another coordinator with the same federation id.
  const std::string other = (root_ / "other-coord").string();
  ASSERT_TRUE(InitCoordinator(other, "eu-ht").ok());
  auto foreign = *SignRoster(other, absl::Hours(24), now_);
  EXPECT_TRUE(
      absl::IsPermissionDenied(InstallRoster(Paths("police-1"), foreign, vkey_, now_).status()));
}

// An installed roster that cannot be used says which of the four it is, by
// type (RosterProblemOf) and in words naming the check that failed.
TEST_F(RosterTest, EachUnusableInstalledRosterSaysWhichProblemItIs) {
  const common::NodePaths paths = Paths("police-1");
  auto load = [&](absl::Time at) { return LoadInstalledRoster(paths, at).status(); };
  auto write = [](const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  };

  absl::Status s = load(now_);  // missing
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_EQ(RosterProblemOf(s), RosterProblem::kMissing);
  EXPECT_THAT(s.message(), HasSubstr("no roster installed"));

  const std::string r1 = *SignRoster(coord_, absl::Hours(1), now_);
  const std::string r2 = *SignRoster(coord_, absl::Hours(1), now_);
  ASSERT_TRUE(InstallRoster(paths, r1, vkey_, now_).ok());
  ASSERT_TRUE(InstallRoster(paths, r2, std::nullopt, now_).ok());
  ASSERT_TRUE(load(now_).ok());

  s = load(now_ + absl::Hours(2));  // expired, since when
  EXPECT_EQ(RosterProblemOf(s), RosterProblem::kExpired) << s;
  EXPECT_EQ(s.message(), paths.roster() + ": roster version 2 expired at 2027-01-15T09:00:00Z");

  write(paths.roster(), r1);  // rolled back (and expired too: rollback is said first)
  s = load(now_ + absl::Hours(2));
  EXPECT_EQ(RosterProblemOf(s), RosterProblem::kRolledBack) << s;
  EXPECT_THAT(s.message(), HasSubstr("roster version 1 is older than version 2 installed before"));

  // Corrupt, each check by name: the signature, the parse, the pinned key.
  std::string tampered = r2;
  tampered.back() ^= 0x01;
  write(paths.roster(), tampered);
  s = load(now_);
  EXPECT_EQ(RosterProblemOf(s), RosterProblem::kCorrupt) << s;
  EXPECT_THAT(s.message(), HasSubstr("roster.bin: the installed roster is corrupt: roster: "
                                     "signature: envelope signature does not verify"));
  auto coordinator_key = crypto::SigningKey::LoadFromFile(coord_ + "/federation.key");
  ASSERT_TRUE(coordinator_key.ok());
  write(paths.roster(), *crypto::envelope::Seal(**coordinator_key, kRosterContext, "\xff\xff"));
  s = load(now_);
  EXPECT_EQ(RosterProblemOf(s), RosterProblem::kCorrupt) << s;
  EXPECT_THAT(s.message(), HasSubstr("corrupt: roster: signed body does not parse"));
  write(paths.roster(), r2);
  write(paths.federation_key(), "not a key\n");
  s = load(now_);
  EXPECT_EQ(RosterProblemOf(s), RosterProblem::kCorrupt) << s;
  EXPECT_THAT(s.message(), HasSubstr("federation.key: the pinned federation key is corrupt"));
  std::filesystem::remove(paths.federation_key());
  s = load(now_);
  EXPECT_EQ(RosterProblemOf(s), RosterProblem::kCorrupt) << s;
  EXPECT_THAT(s.message(), HasSubstr("federation.key: the pinned federation key is missing"));
}

// Identifiers in a roster are checked when it is loaded: a federation id or
// node id that could steer a terminal or forge a line is refused, even with
// a good signature.
TEST_F(RosterTest, RefusesIdsThatCouldSteerATerminal) {
  const std::string state_path = coord_ + "/members.txtpb";
  const std::string good = *common::ReadWholeFile(state_path);
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"federation_id: \"eu-ht\"", "federation_id: \"eu-ht\\033[2J\""},
           {"node_id: \"ngo-1\"", "node_id: \"ngo-1\\nforged line\""}}) {
    std::string bad = good;
    ASSERT_NE(bad.find(from), std::string::npos) << from;
    bad.replace(bad.find(from), from.size(), to);
    std::ofstream(state_path, std::ios::trunc) << bad;
    auto signed_roster = SignRoster(coord_, absl::Hours(1), now_);
    ASSERT_TRUE(signed_roster.ok()) << signed_roster.status();
    const absl::Status s = InstallRoster(Paths("police-1"), *signed_roster, vkey_, now_).status();
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
    EXPECT_EQ(RosterProblemOf(s), RosterProblem::kCorrupt);
    EXPECT_EQ(s.message().find('\x1b'), absl::string_view::npos) << s;
    EXPECT_EQ(s.message().find('\n'), absl::string_view::npos) << s;
  }
}

// What a member chose for itself (its organisation) is shown escaped: no
// escape sequence reaches the terminal and no line can be forged.
TEST_F(RosterTest, FormatRosterEscapesWhatMembersChose) {
  const std::string dir = (root_ / "odd").string();
  config::NodeConfig c;
  c.node_id = "odd";
  c.organisation = "Shelter\x1b]0;owned\x07\n  forged-1 agency 1.2.3.4:1 Police";
  ASSERT_TRUE(config::InitNode(dir, c).ok());
  auto node = config::OpenNode(dir, {});
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_TRUE(
      AddMember(coord_,
                *MemberRequest((*node)->paths, (*node)->config, (*node)->identity->VerifierKey()),
                "odd.txtpb")
          .ok());
  auto roster =
      InstallRoster(Paths("police-1"), *SignRoster(coord_, absl::Hours(1), now_), vkey_, now_);
  ASSERT_TRUE(roster.ok()) << roster.status();
  const std::string shown = FormatRoster(*roster);
  EXPECT_EQ(std::count(shown.begin(), shown.end(), '\n'), 4);  // header + 3 members
  EXPECT_EQ(shown.find('\x1b'), std::string::npos);
  EXPECT_EQ(shown.find('\x07'), std::string::npos);
  EXPECT_THAT(shown, HasSubstr("Shelter\\x1b]0;owned\\x07\\x0a  forged-1"));
}

TEST_F(RosterTest, RemovingAMemberRevokesItInTheNextVersion) {
  ASSERT_TRUE(
      InstallRoster(Paths("police-1"), *SignRoster(coord_, absl::Hours(24), now_), vkey_, now_)
          .ok());
  ASSERT_TRUE(RemoveMember(coord_, "ngo-1").ok());
  EXPECT_TRUE(absl::IsNotFound(RemoveMember(coord_, "ngo-1")));
  auto r2 = InstallRoster(Paths("police-1"), *SignRoster(coord_, absl::Hours(24), now_),
                          std::nullopt, now_);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->Find("ngo-1"), nullptr);
  EXPECT_NE(r2->Find("police-1"), nullptr);
}

TEST_F(RosterTest, RejectsMalformedMembershipRequests) {
  EXPECT_FALSE(AddMember(coord_, "garbage {", "r.txtpb").ok());
  EXPECT_THAT(std::string(AddMember(coord_, "node_id: \"x\" role: \"boss\"", "r.txtpb").message()),
              HasSubstr("r.txtpb: x: role"));
  EXPECT_FALSE(AddMember(coord_,
                         "node_id: \"x\" role: \"ngo\" endpoint: \"h:1\" "
                         "identity_vkey: \"bad\" "
                         "tls_cert_sha256: \"00\"",
                         "r.txtpb")
                   .ok());
}

}  // namespace
}  // namespace fedlink::federation

namespace fedlink::federation {
namespace {

// The coordinator's key rollover: a member that pinned the old key follows
// the transition the next roster carries and pins the new key; rosters of
// the old key are refused afterwards; a transition the pinned key did not
// sign is refused and changes nothing.
class RosterKeyRolloverTest : public RosterTest {};

TEST_F(RosterKeyRolloverTest, AMemberFollowsATransitionSignedByThePinnedKeyAndPinsTheNewKey) {
  ASSERT_TRUE(
      InstallRoster(Paths("ngo-1"), *SignRoster(coord_, absl::Hours(24), now_), vkey_, now_).ok());
  const std::string old_coord = (root_ / "coord-old").string();
  std::filesystem::copy(coord_, old_coord);
  auto new_vkey = RotateCoordinatorKey(coord_, now_);
  ASSERT_TRUE(new_vkey.ok()) << new_vkey.status();
  EXPECT_NE(*new_vkey, vkey_);
  EXPECT_EQ(*CoordinatorVkey(coord_), *new_vkey);
  EXPECT_FALSE(std::filesystem::exists(coord_ + "/federation.key.next"));
  auto r2 = SignRoster(coord_, absl::Hours(24), now_);
  ASSERT_TRUE(r2.ok());
  auto installed = InstallRoster(Paths("ngo-1"), *r2, std::nullopt, now_);
  ASSERT_TRUE(installed.ok()) << installed.status();
  EXPECT_EQ(installed->signing_vkey(), *new_vkey);
  EXPECT_EQ(*common::ReadWholeFile(Paths("ngo-1").federation_key()), *new_vkey + "\n");
  ASSERT_TRUE(LoadInstalledRoster(Paths("ngo-1"), now_).ok());
  // Two rollovers later, a member that missed the one between follows both.
  ASSERT_TRUE(
      InstallRoster(Paths("police-1"), *SignRoster(old_coord, absl::Hours(24), now_), vkey_, now_)
          .ok());
  auto third = RotateCoordinatorKey(coord_, now_);
  ASSERT_TRUE(third.ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(SignRoster(coord_, absl::Hours(24), now_).ok());
  auto r6 = SignRoster(coord_, absl::Hours(24), now_);
  auto police = InstallRoster(Paths("police-1"), *r6, std::nullopt, now_);
  ASSERT_TRUE(police.ok()) << police.status();
  EXPECT_EQ(police->signing_vkey(), *third);
  // The old key's rosters are refused now, even with a higher version.
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(SignRoster(old_coord, absl::Hours(24), now_).ok());
  auto stale = SignRoster(old_coord, absl::Hours(24), now_);
  const auto refused = InstallRoster(Paths("ngo-1"), *stale, std::nullopt, now_).status();
  EXPECT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.message()),
              HasSubstr("no key transition signed by the pinned federation key"));
}

TEST_F(RosterKeyRolloverTest, ATransitionNotSignedByThePinnedKeyIsRefusedAndChangesNothing) {
  ASSERT_TRUE(
      InstallRoster(Paths("ngo-1"), *SignRoster(coord_, absl::Hours(24), now_), vkey_, now_).ok());
  // Another coordinator of the same federation id hands over from its own key.
  const std::string rogue = (root_ / "rogue").string();
  ASSERT_TRUE(InitCoordinator(rogue, "eu-ht").ok());
  ASSERT_TRUE(RotateCoordinatorKey(rogue, now_).ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(SignRoster(rogue, absl::Hours(24), now_).ok());
  auto forged = SignRoster(rogue, absl::Hours(24), now_);
  const std::string key_before = *common::ReadWholeFile(Paths("ngo-1").federation_key());
  const std::string roster_before = *common::ReadWholeFile(Paths("ngo-1").roster());
  const auto refused = InstallRoster(Paths("ngo-1"), *forged, std::nullopt, now_).status();
  EXPECT_EQ(RosterProblemOf(refused), RosterProblem::kCorrupt) << refused;
  EXPECT_THAT(std::string(refused.message()),
              HasSubstr("no key transition signed by the pinned federation key"));
  EXPECT_EQ(*common::ReadWholeFile(Paths("ngo-1").federation_key()), key_before);
  EXPECT_EQ(*common::ReadWholeFile(Paths("ngo-1").roster()), roster_before);
}

TEST_F(RosterKeyRolloverTest, AnInterruptedRolloverIsFinishedOrDroppedByTheNextCall) {
  // Crashed after the new key was written, before the transition was
  // recorded: the new key was never handed over, so it is dropped.
  auto stray = crypto::SigningKey::Generate("eu-ht/roster");
  ASSERT_TRUE((*stray)->SaveToFile(coord_ + "/federation.key.next").ok());
  EXPECT_EQ(*CoordinatorVkey(coord_), vkey_);
  EXPECT_FALSE(std::filesystem::exists(coord_ + "/federation.key.next"));
  // Crashed after the transition was recorded, before the rename: finished.
  auto next = RotateCoordinatorKey(coord_, now_);
  ASSERT_TRUE(next.ok());
  const std::string next_key = *common::ReadWholeFile(coord_ + "/federation.key");
  std::filesystem::rename(coord_ + "/federation.key", coord_ + "/federation.key.next");
  auto old_key = crypto::SigningKey::Generate("eu-ht/roster");  // stands in for the old file
  ASSERT_TRUE((*old_key)->SaveToFile(coord_ + "/federation.key").ok());
  EXPECT_EQ(*CoordinatorVkey(coord_), *next);
  EXPECT_EQ(*common::ReadWholeFile(coord_ + "/federation.key"), next_key);
}

}  // namespace
}  // namespace fedlink::federation
