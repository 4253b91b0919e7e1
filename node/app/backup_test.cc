// Backup, verify and restore of a node through the application layer, and
// the restore marker: a restored node logs nothing until the restore is
// accepted, which logs it.
#include "node/app/backup.h"

#include <sys/stat.h>

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/audit_restore.h"
#include "node/app/create_node.h"
#include "node/app/test_key_source.h"
#include "node/common/whole_file.h"

namespace fedlink::app {
namespace {

using ::testing::HasSubstr;

std::string Fresh(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/backup-" +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
                          name;
  std::filesystem::remove_all(dir);
  std::filesystem::remove(dir);
  return dir;
}

std::unique_ptr<Node> MakeNode(const std::string& dir, const std::string& id, int records) {
  EXPECT_TRUE(
      CreateNode(dir, {.node_id = id, .organisation = "Org", .key_source = TestKeyFile(id)}).ok());
  auto node = Node::Open(dir);
  EXPECT_TRUE(node.ok()) << node.status();
  std::vector<record::Person> persons;
  for (int i = 0; i < records; ++i) {
    record::Person p;
    p.external_id = "R-" + std::to_string(i);
    p.role = record::Role::kVictim;
    p.given_name = "Maria";
    p.family_name = "Ivanova";
    persons.push_back(p);
  }
  EXPECT_TRUE((*node)->records().Upsert(persons).ok());
  EXPECT_TRUE((*node)->Log(LocalEvent("records.import")).ok());
  EXPECT_TRUE((*node)->Log(LocalEvent("records.import")).ok());
  EXPECT_TRUE((*(*node)->AuditLog())->Checkpoint().ok());
  return *std::move(node);
}

TEST(BackupTest, ABackupRestoresToANodeThatLogsOnlyAfterTheRestoreIsAccepted) {
  const std::string dir = Fresh("police"), file = Fresh("police.fbk"), out = Fresh("restored");
  auto node = MakeNode(dir, "police", 25);
  auto made = BackupNode(*node, file);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->node_id, "police");
  EXPECT_EQ(made->records, 25u);
  EXPECT_EQ(made->audit_entries, 2u);
  EXPECT_EQ(made->audit_checkpoint_size, 2u);
  EXPECT_EQ(made->audit_checkpoint_root.size(), 64u);
  EXPECT_EQ(made->schema.count("node.db"), 1u);
  struct stat st;
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(absl::IsAlreadyExists(BackupNode(*node, file).status()));

  auto verified = VerifyBackup(file, TestKeyFile("police"), dir);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->SameContent(*made));

  auto restored = RestoreBackup(file, out, TestKeyFile("police"));
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_TRUE(absl::IsAlreadyExists(RestoreBackup(file, out, TestKeyFile("police")).status()));
  auto back = Node::Open(out);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*(*back)->records().Count(), 25u);
  const absl::Status refused = (*back)->Log(LocalEvent("records.import"));
  EXPECT_TRUE(absl::IsFailedPrecondition(refused)) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("audit.restored"));
  EXPECT_THAT(refused.message(), HasSubstr("accept the restore (audit accept-restore"));
  EXPECT_EQ((*(*back)->AuditLog())->size(), 2u);

  auto accepted = AcceptRestore(**back);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->restored_entries, 2u);
  EXPECT_EQ(accepted->entry_index, 2u);
  EXPECT_TRUE(CheckNotRestored((*back)->paths()).ok());
  EXPECT_TRUE((*back)->Log(LocalEvent("records.import")).ok());
  EXPECT_EQ((*(*back)->AuditLog())->size(), 4u);
  EXPECT_TRUE(absl::IsFailedPrecondition(AcceptRestore(**back).status()));
}

TEST(BackupTest, ABackupOfAnotherNodeOrUnderAnotherKeyIsRefusedAndNothingIsWritten) {
  const std::string police = Fresh("police"), ngo = Fresh("ngo");
  const std::string file = Fresh("ngo.fbk"), out = Fresh("restored");
  auto p = MakeNode(police, "police", 3);
  auto n = MakeNode(ngo, "ngo", 4);
  ASSERT_TRUE(BackupNode(*n, file).ok());
  const absl::Status other = VerifyBackup(file, TestKeyFile("ngo"), police).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(other)) << other;
  const absl::Status wrong_key = RestoreBackup(file, out, TestKeyFile("police")).status();
  EXPECT_TRUE(absl::IsPermissionDenied(wrong_key)) << wrong_key;
  EXPECT_THAT(wrong_key.message(), HasSubstr(file));
  EXPECT_FALSE(std::filesystem::exists(out));
  // Only this test's staging name: tests running beside it stage their own.
  const std::string staging = "." + std::filesystem::path(out).filename().string() + ".restore-";
  for (const auto& entry : std::filesystem::directory_iterator(::testing::TempDir())) {
    EXPECT_THAT(entry.path().filename().string(), ::testing::Not(HasSubstr(staging)));
  }
}

// Someone who can write the node directory (not read the data key) plants
// symlinks to files outside it, hoping a backup carries them off or a
// restore writes through them; and points the restore target at another
// directory by a symlink. Neither is followed.
TEST(BackupTest, SymlinksAreNeitherFollowedIntoABackupNorRestoredThrough) {
  const std::string dir = Fresh("police"), file = Fresh("police.fbk"), out = Fresh("restored");
  const std::string outside = Fresh("outside");
  auto node = MakeNode(dir, "police", 2);
  std::filesystem::create_directories(outside);
  ASSERT_TRUE(common::WriteFileAtomically(outside + "/secret.txt", "not the node's").ok());
  ASSERT_TRUE(common::WriteFileAtomically(outside + "/ngo~victim-dedup.table", "x").ok());
  std::filesystem::create_symlink(outside + "/secret.txt", dir + "/notes.txt");
  std::filesystem::remove_all(dir + "/cache");
  std::filesystem::create_directory_symlink(outside, dir + "/cache");
  ASSERT_TRUE(BackupNode(*node, file).ok());
  auto restored = RestoreBackup(file, out, TestKeyFile("police"));
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_FALSE(std::filesystem::exists(out + "/notes.txt"));
  EXPECT_FALSE(std::filesystem::exists(out + "/cache/ngo~victim-dedup.table"));
  EXPECT_FALSE(std::filesystem::exists(out + "/cache/secret.txt"));

  // The restore target a symlink to an empty directory: refused, and the
  // directory it points at stays empty.
  const std::string empty = Fresh("empty"), link = Fresh("link");
  std::filesystem::create_directories(empty);
  std::filesystem::create_directory_symlink(empty, link);
  const absl::Status through = RestoreBackup(file, link, TestKeyFile("police")).status();
  EXPECT_TRUE(absl::IsAlreadyExists(through)) << through;
  EXPECT_TRUE(std::filesystem::is_empty(empty));
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  node.reset();
  for (const std::string& made : {dir, out, outside, empty}) std::filesystem::remove_all(made);
  std::filesystem::remove(link);
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace fedlink::app
