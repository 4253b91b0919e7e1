// Rotating the data key: every sealed value sealed again under a new key
// that the same KEK opens, the old key opening nothing; refused while the
// node serves; a rotation killed at any point leaves the old node or the
// new one, whole.
#include "node/app/key_rotation.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crypto/sealed_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/create_node.h"
#include "node/app/serve_lock.h"
#include "node/app/test_key_source.h"
#include "node/app/tls_rotation.h"
#include "node/app/user_store.h"
#include "node/common/whole_file.h"
#include "node/config/data_key_rotation.h"
#include "node/followup/followup_store.h"
#include "node/store/sqlite.h"

namespace fedlink::app {
namespace {

using ::testing::HasSubstr;

std::string Fresh(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/rotate-" +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
                          name;
  std::filesystem::remove_all(dir);
  return dir;
}

// Every file under dir with its bytes.
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out[e.path().string()] = *common::ReadWholeFile(e.path().string());
  }
  return out;
}

// A node with `records` records (CASE-i, given name Tetiana<i>), one deleted
// (a change-log tombstone), a console user and a hit with an officer.
void MakeNode(const std::string& dir, int records) {
  ASSERT_TRUE(
      CreateNode(dir, {.node_id = "ngo", .organisation = "NGO", .key_source = TestKeyFile()}).ok());
  auto node = Node::Open(dir);
  ASSERT_TRUE(node.ok()) << node.status();
  std::vector<record::Person> persons(records);
  for (int i = 0; i < records; ++i) {
    persons[i].external_id = absl::StrCat("CASE-", i);
    persons[i].given_name = absl::StrCat("Tetiana", i);
    persons[i].phones = {"+380501234567"};
  }
  ASSERT_TRUE((*node)->records().Upsert(persons).ok());
  ASSERT_TRUE(*(*node)->records().Delete("CASE-0"));
  auto users = UserStore::Open((*node)->paths().users_db(), *(*node)->opened().data_key);
  ASSERT_TRUE(users.ok()) << users.status();
  User olena;
  olena.name = "olena";
  olena.password_hash = "$argon2id$fake";
  olena.created = absl::Now();
  ASSERT_TRUE((*users)->Add(olena).ok());
  auto followups = (*node)->Followups();
  ASSERT_TRUE(followups.ok()) << followups.status();
  followup::Hit hit;
  hit.peer = "police";
  hit.purpose = "victim-id";
  hit.handle = "h1";
  hit.own_id = "CASE-1";
  hit.officer = "Inspector Kovalenko";
  hit.found_at = absl::Now();
  ASSERT_TRUE((*followups)->RecordHits({hit}).ok());
  ASSERT_TRUE((*node)->Log(LocalEvent("records.import")).ok());
}

// What a rotated or an unrotated node must still hold.
void ExpectIntact(const std::string& dir, int records, const std::string& where) {
  auto node = Node::Open(dir);
  ASSERT_TRUE(node.ok()) << where << ": " << node.status();
  EXPECT_EQ(*(*node)->records().Count(), static_cast<uint64_t>(records - 1)) << where;
  auto p = (*node)->records().Get("CASE-17");
  ASSERT_TRUE(p.ok() && p->has_value()) << where;
  EXPECT_EQ((*p)->given_name, "Tetiana17") << where;
  absl::flat_hash_set<std::string> changed;
  auto version = (*node)->records().ForEachSince(
      0, &changed, [](const record::Person&) { return absl::OkStatus(); });
  ASSERT_TRUE(version.ok()) << where << ": " << version.status();
  EXPECT_EQ(changed.size(), static_cast<size_t>(records)) << where;  // CASE-0's tombstone too
  EXPECT_TRUE(changed.contains("CASE-0")) << where;
  auto users = UserStore::Open((*node)->paths().users_db(), *(*node)->opened().data_key);
  ASSERT_TRUE(users.ok()) << where;
  auto user = (*users)->Get("olena");
  ASSERT_TRUE(user.ok() && user->has_value()) << where << ": " << user.status();
  EXPECT_EQ((*user)->password_hash, "$argon2id$fake");
  auto followups = (*node)->Followups();
  ASSERT_TRUE(followups.ok()) << where;
  auto hit = (*followups)->FindHit("police", "h1");
  ASSERT_TRUE(hit.ok() && hit->has_value()) << where << ": " << hit.status();
  EXPECT_EQ((*hit)->officer, "Inspector Kovalenko") << where;
}

TEST(DataKeyRotationTest, EverySealedValueIsUnderTheNewKeyAndTheOldKeyOpensNothing) {
  const std::string dir = Fresh("ngo");
  MakeNode(dir, 50);
  const common::NodePaths paths(dir);
  auto old_key = config::OpenDataKey(paths, "ngo", {});
  ASSERT_TRUE(old_key.ok()) << old_key.status();
  const std::string identity_before = *common::ReadWholeFile(paths.identity_key());
  const std::string data_key_before = *common::ReadWholeFile(dir + "/data.key");
  std::string public_key_before;
  {
    auto node = Node::Open(dir);
    public_key_before = (*node)->identity()->public_key();
  }
  {
    // A pending TLS key (`fedlink rotate tls`) and a peer's cached table.
    auto node = Node::Open(dir);
    ASSERT_TRUE(StageNewTlsKey(paths, (*node)->opened().file_key()).ok());
    std::filesystem::create_directories(paths.table_cache_dir());
    ASSERT_TRUE(common::WriteFileAtomically(paths.table_cache_dir() + "/police.victim-id.table",
                                            "sealed table")
                    .ok());
  }
  std::vector<std::string> lines;
  {
    auto node = Node::Open(dir, {.rotate_data_key = true});
    ASSERT_TRUE(node.ok()) << node.status();
    auto report = RotateDataKey(**node, [&](absl::string_view line) { lines.emplace_back(line); });
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->records, 49u);
    EXPECT_EQ(report->users, 1u);
    EXPECT_TRUE(report->followups);
    EXPECT_EQ(report->secret_files, 3);  // identity.key, tls.key, tls.key.next (no oprf.seed yet)
  }
  EXPECT_THAT(lines, ::testing::Contains(HasSubstr("node.db: 49 of 49 records")));
  ExpectIntact(dir, 50, "rotated");
  // The same KEK (the recorded key file) opens a new data key.
  const std::string data_key_after = *common::ReadWholeFile(dir + "/data.key");
  EXPECT_NE(data_key_after, data_key_before);
  EXPECT_EQ(data_key_after.substr(0, data_key_after.find("wrapped")),
            data_key_before.substr(0, data_key_before.find("wrapped")));
  auto new_key = config::OpenDataKey(paths, "ngo", {});
  ASSERT_TRUE(new_key.ok()) << new_key.status();
  EXPECT_NE((*new_key)->LookupDigest("d", "v"), (*old_key)->LookupDigest("d", "v"));
  // The old data key opens no record, no user, no follow-up, no secret file.
  auto with_old = store::OpenRecordStore(paths.database(), {.data_key = old_key->get()});
  ASSERT_TRUE(with_old.ok()) << with_old.status();
  EXPECT_EQ(*(*with_old)->Get("CASE-17"), std::nullopt);  // row keys are new digests
  EXPECT_TRUE(absl::IsDataLoss(
      (*with_old)->ForEach([](const record::Person&) { return absl::OkStatus(); })));
  with_old->reset();
  {
    auto users = UserStore::Open(paths.users_db(), **old_key);
    ASSERT_TRUE(users.ok());
    EXPECT_EQ(*(*users)->Get("olena"), std::nullopt);
  }
  {
    auto followups = followup::FollowupStore::Open(paths.followup_db(), &(*old_key)->sealing());
    ASSERT_TRUE(followups.ok());
    EXPECT_TRUE(absl::IsDataLoss((*followups)->FindHit("police", "h1").status()));
  }
  // The pending TLS key is under the new key too; the cached table is gone
  // (fetched again).
  const std::string next_tls = *common::ReadWholeFile(dir + "/tls.key.next");
  EXPECT_TRUE(crypto::OpenSealedFile((*new_key)->sealing(), "tls.key.next", next_tls).ok());
  EXPECT_FALSE(crypto::OpenSealedFile((*old_key)->sealing(), "tls.key.next", next_tls).ok());
  EXPECT_TRUE(std::filesystem::is_empty(paths.table_cache_dir()));
  const std::string identity_after = *common::ReadWholeFile(paths.identity_key());
  EXPECT_NE(identity_after, identity_before);
  EXPECT_FALSE(crypto::OpenSealedFile((*old_key)->sealing(), "identity.key", identity_after).ok());
  {
    auto node = Node::Open(dir);
    ASSERT_TRUE(node.ok());
    EXPECT_EQ((*node)->identity()->public_key(), public_key_before);  // the same identity
    // The rotation is in the access log.
    auto log = (*node)->AuditLog();
    ASSERT_TRUE(log.ok());
  }
  // No staging left, and nothing personal in the clear.
  EXPECT_FALSE(std::filesystem::exists(dir + "/.rotate-data-key"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/.rotate-data-key.tmp"));
  for (const auto& [path, bytes] : Snapshot(dir)) {
    EXPECT_EQ(bytes.find("Tetiana"), std::string::npos) << path;
    EXPECT_EQ(bytes.find("Kovalenko"), std::string::npos) << path;
  }
}

TEST(DataKeyRotationTest, ARotationIsRefusedWhileTheNodeServesAndChangesNothing) {
  const std::string dir = Fresh("ngo");
  MakeNode(dir, 5);
  const auto before = Snapshot(dir);
  auto lock = ServeLock::Acquire(common::NodePaths(dir).serve_lock());
  ASSERT_TRUE(lock.ok());
  {
    auto node = Node::Open(dir, {.rotate_data_key = true});
    ASSERT_TRUE(node.ok()) << node.status();
    const absl::Status refused = RotateDataKey(**node, nullptr).status();
    EXPECT_TRUE(absl::IsFailedPrecondition(refused)) << refused;
    EXPECT_THAT(refused.message(), HasSubstr("serving"));
  }
  lock->reset();
  auto after = Snapshot(dir);
  after.erase(common::NodePaths(dir).serve_lock());
  auto expected = before;
  expected.erase(common::NodePaths(dir).serve_lock());
  EXPECT_EQ(after, expected);
}

TEST(DataKeyRotationTest, ARowThatDoesNotOpenStopsTheRotationAndChangesNothing) {
  const std::string dir = Fresh("ngo");
  MakeNode(dir, 5);
  const common::NodePaths paths(dir);
  {
    // Swap two records' ciphertexts: each is bound to its own row.
    auto db = store::sqlite::Database::Open(paths.database(), {});
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)
                    ->Exec("UPDATE sealed_records SET person = (SELECT person FROM sealed_records "
                           "WHERE id = 3) WHERE id = 2")
                    .ok());
  }
  const auto before = Snapshot(dir);
  {
    auto node = Node::Open(dir, {.rotate_data_key = true});
    ASSERT_TRUE(node.ok()) << node.status();
    const absl::Status refused = RotateDataKey(**node, nullptr).status();
    EXPECT_TRUE(absl::IsDataLoss(refused)) << refused;
    EXPECT_THAT(refused.message(), HasSubstr(paths.database() + ": records row 2"));
    EXPECT_THAT(refused.message(), ::testing::Not(HasSubstr("Tetiana")));
  }
  // Nothing committed; the node's files as they were, its records too.
  EXPECT_FALSE(std::filesystem::exists(dir + "/.rotate-data-key"));
  for (const char* name : {"/data.key", "/identity.key", "/tls.key", "/users.db", "/followup.db"}) {
    EXPECT_EQ(*common::ReadWholeFile(dir + name), before.at(dir + name)) << name;
  }
  auto node = Node::Open(dir);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(*(*node)->records().Count(), 4u);
  EXPECT_EQ((*(*node)->records().Get("CASE-4"))->given_name, "Tetiana4");
}

// A rotation killed (SIGKILL) at any point: the next opening has either the
// old data key or the new one, every record, user and follow-up, and no
// committed rotation left behind.
TEST(DataKeyRotationTest, ARotationKilledAtAnyPointLeavesTheOldNodeOrTheNewOne) {
  constexpr int kRecords = 4000;
  const std::string base = Fresh("ngo");
  MakeNode(base, kRecords);
  const std::string data_key_before = *common::ReadWholeFile(base + "/data.key");
  int old_left = 0, new_left = 0;
  for (int round = 0; round < 10; ++round) {
    const std::string dir = Fresh(absl::StrCat(round));
    std::filesystem::copy(base, dir, std::filesystem::copy_options::recursive);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      auto node = Node::Open(dir, {.rotate_data_key = true});
      if (!node.ok()) _exit(1);
      _exit(RotateDataKey(**node, nullptr).ok() ? 0 : 1);
    }
    // From at once to after the rotation would have finished (a loaded
    // machine: up to 2.4 s).
    usleep(static_cast<useconds_t>(round * round * 30'000));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    if (WIFEXITED(status)) {
      EXPECT_EQ(WEXITSTATUS(status), 0) << "round " << round << ": the rotation failed";
    }
    // Opening finishes a committed rotation.
    ExpectIntact(dir, kRecords, absl::StrCat("round ", round));
    EXPECT_FALSE(std::filesystem::exists(dir + "/.rotate-data-key")) << "round " << round;
    if (*common::ReadWholeFile(dir + "/data.key") == data_key_before) {
      ++old_left;
    } else {
      ++new_left;
    }
    if (round == 3) {
      // Whatever was left, a new rotation goes through.
      auto node = Node::Open(dir, {.rotate_data_key = true});
      ASSERT_TRUE(node.ok());
      ASSERT_TRUE(RotateDataKey(**node, nullptr).ok());
      node->reset();
      ExpectIntact(dir, kRecords, "rotated again");
    }
    std::filesystem::remove_all(dir);
  }
  std::cerr << "killed before the commit: " << old_left << ", after: " << new_left << "\n";
  EXPECT_GT(old_left, 0);
  EXPECT_GT(new_left, 0);
  std::filesystem::remove_all(base);
}

}  // namespace
}  // namespace fedlink::app
