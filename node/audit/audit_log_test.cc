#include "node/audit/audit_log.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>

#include "fedlink/v1/audit.pb.h"
#include "gtest/gtest.h"
#include "node/store/sqlite.h"

namespace fedlink::audit {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::path(::testing::TempDir()) /
            ("audit-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    key_ = *crypto::SigningKey::Generate("police");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<AuditLog> OpenLog() {
    auto log = AuditLog::Open(dir_, key_.get());
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? *std::move(log) : nullptr;
  }
  absl::Status Reopen() { return AuditLog::Open(dir_, key_.get()).status(); }

  // A log of n entries with a checkpoint every 5.
  void Fill(int n) {
    auto log = OpenLog();
    for (int i = 0; i < n; ++i) {
      Event e;
      e.event = "match.evaluate.answered";
      e.requester = "ngo";
      e.responder = "police";
      e.purpose = "victim-dedup";
      e.count = 100 + i;
      ASSERT_EQ(*log->Append(e), static_cast<uint64_t>(i));
      if (i % 5 == 4) {
        ASSERT_TRUE(log->Checkpoint().ok());
      }
    }
  }
  std::unique_ptr<store::sqlite::Database> RawDb() {
    return *store::sqlite::Database::Open(dir_ + "/audit.db", {});
  }

  std::string dir_;
  std::unique_ptr<crypto::SigningKey> key_;
};

TEST_F(AuditLogTest, AppendsAreIndexedInOrderAndTheLogVerifiesOnReopen) {
  Fill(23);
  auto log = OpenLog();
  EXPECT_EQ(log->size(), 23u);
  auto note = log->Checkpoint();
  ASSERT_TRUE(note.ok());
  EXPECT_NE(note->find("police\n23\n"), std::string::npos);
}

TEST_F(AuditLogTest, EveryChangedByteOfEveryEntryIsDetected) {
  Fill(20);
  auto db = RawDb();
  for (int idx = 0; idx < 20; ++idx) {
    auto get = *db->Prepare("SELECT leaf FROM entries WHERE idx = ?1");
    get->Bind(1, idx);
    ASSERT_TRUE(*get->Step());
    const std::string original = get->ColumnBlob(0);
    for (size_t pos = 0; pos < original.size(); ++pos) {
      std::string flipped = original;
      flipped[pos] ^= 0x01;
      auto put = *db->Prepare("UPDATE entries SET leaf = ?1 WHERE idx = ?2");
      put->BindBlob(1, flipped).Bind(2, idx);
      ASSERT_TRUE(put->Run().ok());
      const absl::Status s = Reopen();
      EXPECT_TRUE(absl::IsDataLoss(s)) << "entry " << idx << " byte " << pos << ": " << s;
      put = *db->Prepare("UPDATE entries SET leaf = ?1 WHERE idx = ?2");
      put->BindBlob(1, original).Bind(2, idx);
      ASSERT_TRUE(put->Run().ok());
    }
  }
  EXPECT_TRUE(Reopen().ok());
}

TEST_F(AuditLogTest, DeletedReorderedAndTruncatedEntriesAreDetected) {
  Fill(20);
  auto db = RawDb();
  std::vector<std::string> original;
  auto all = *db->Prepare("SELECT leaf FROM entries ORDER BY idx");
  while (*all->Step()) original.push_back(all->ColumnBlob(0));
  // Rewrites the entries table as `rows` (committed, as an attacker would).
  auto rewrite = [&](const std::vector<std::string>& rows) {
    ASSERT_TRUE(db->Exec("DELETE FROM entries").ok());
    for (size_t i = 0; i < rows.size(); ++i) {
      auto put = *db->Prepare("INSERT INTO entries (idx, leaf) VALUES (?1, ?2)");
      put->Bind(1, static_cast<int64_t>(i)).BindBlob(2, rows[i]);
      ASSERT_TRUE(put->Run().ok());
    }
  };
  for (size_t idx = 0; idx < original.size(); ++idx) {  // delete each entry
    std::vector<std::string> rows = original;
    rows.erase(rows.begin() + idx);
    rewrite(rows);
    EXPECT_TRUE(absl::IsDataLoss(Reopen())) << "deleted " << idx;
    // Deleting the row alone leaves a gap in the indices.
    rewrite(original);
    ASSERT_TRUE(db->Exec("DELETE FROM entries WHERE idx = " + std::to_string(idx)).ok());
    EXPECT_TRUE(absl::IsDataLoss(Reopen())) << "gap at " << idx;
    rewrite(original);
  }
  for (size_t idx = 0; idx + 1 < original.size(); ++idx) {  // swap neighbours
    std::vector<std::string> rows = original;
    std::swap(rows[idx], rows[idx + 1]);
    rewrite(rows);
    EXPECT_TRUE(absl::IsDataLoss(Reopen())) << "swapped " << idx;
  }
  for (size_t keep = 0; keep < original.size(); ++keep) {  // truncate
    rewrite(std::vector<std::string>(original.begin(), original.begin() + keep));
    EXPECT_TRUE(absl::IsDataLoss(Reopen())) << "truncated to " << keep;
  }
  rewrite(original);
  EXPECT_TRUE(Reopen().ok());
}

TEST_F(AuditLogTest, AForgedCheckpointIsRefused) {
  Fill(10);
  auto other = *crypto::SigningKey::Generate("police");  // same name, other key
  auto db = RawDb();
  ASSERT_TRUE(db->Exec("DELETE FROM entries WHERE idx = 9").ok());
  ASSERT_TRUE(db->Exec("DELETE FROM checkpoints WHERE size = 10").ok());
  // (And the head record, which refuses a log shorter than it: see
  // AWipedEmptiedOrReplacedLogIsRefused.)
  std::filesystem::remove(dir_ + "/audit.head");
  // Entries 0..8 with an attacker's checkpoint over them.
  EXPECT_TRUE(Reopen().ok());  // entries past the last checkpoint are fine
  auto forged = AuditLog::Open(dir_, other.get());
  ASSERT_FALSE(forged.ok());  // size-5 checkpoint is not signed by `other`
  EXPECT_TRUE(absl::IsDataLoss(forged.status()));
}

// audit.head keeps the log's latest signed checkpoint beside audit.db: a
// log that is missing, emptied, shorter than it or not the one it signs is
// refused, naming both files and what to do, instead of starting afresh.
TEST_F(AuditLogTest, AWipedEmptiedTruncatedOrReplacedLogIsRefused) {
  Fill(12);  // checkpoints at 5 and 10, and at 12 when the log closes
  const std::string db = dir_ + "/audit.db";
  ASSERT_TRUE(std::filesystem::exists(dir_ + "/audit.head"));
  EXPECT_EQ(
      std::filesystem::status(dir_ + "/audit.head").permissions() & std::filesystem::perms::all,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const std::string backup = dir_ + "/backup.db";
  std::filesystem::copy_file(db, backup);
  auto restore = [&] {
    for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(db + suffix);
    std::filesystem::copy_file(backup, db, std::filesystem::copy_options::overwrite_existing);
  };
  auto expect_refused = [&](const std::string& what) {
    const absl::Status s = Reopen();
    EXPECT_TRUE(absl::IsDataLoss(s)) << what << ": " << s;
    EXPECT_NE(s.message().find("audit.head records a signed log of 12 entries"), std::string::npos)
        << what << ": " << s;
    EXPECT_NE(s.message().find("restore audit.db (with its -wal file) and audit.head"),
              std::string::npos)
        << what << ": " << s;
  };

  std::filesystem::remove(db);  // wiped
  expect_refused("missing");
  EXPECT_FALSE(std::filesystem::exists(db));  // and not recreated empty
  restore();
  EXPECT_TRUE(Reopen().ok());

  {  // emptied
    auto raw = RawDb();
    ASSERT_TRUE(raw->Exec("DELETE FROM entries; DELETE FROM checkpoints").ok());
  }
  expect_refused("emptied");
  restore();

  {  // cut back to a checkpoint it still holds: consistent in itself
    auto raw = RawDb();
    ASSERT_TRUE(raw->Exec("DELETE FROM entries WHERE idx >= 7; "
                          "DELETE FROM checkpoints WHERE size > 5")
                    .ok());
  }
  expect_refused("truncated to 7");
  restore();

  {  // replaced by another log of this node, as long or longer
    const std::string other = dir_ + "/other";
    std::filesystem::create_directories(other);
    auto log = *AuditLog::Open(other, key_.get());
    for (int i = 0; i < 15; ++i) {
      Event e;
      e.event = "node.start";
      ASSERT_TRUE(log->Append(e).ok());
    }
    log.reset();
    std::filesystem::copy_file(other + "/audit.db", db,
                               std::filesystem::copy_options::overwrite_existing);
  }
  expect_refused("replaced");
  restore();
  EXPECT_TRUE(Reopen().ok());
}

TEST_F(AuditLogTest, ALogFromBeforeTheHeadRecordGetsOneAndGrowsIt) {
  Fill(7);
  std::filesystem::remove(dir_ + "/audit.head");  // as fedlink kept none
  {
    auto log = OpenLog();
    ASSERT_NE(log, nullptr);
    EXPECT_TRUE(std::filesystem::exists(dir_ + "/audit.head"));
    Event e;
    e.event = "node.start";
    ASSERT_TRUE(log->Append(e).ok());
    ASSERT_TRUE(log->Checkpoint().ok());
  }
  std::ifstream head(dir_ + "/audit.head");
  const std::string note((std::istreambuf_iterator<char>(head)), std::istreambuf_iterator<char>());
  EXPECT_NE(note.find("police\n8\n"), std::string::npos) << note;
  // A head record signed by another key is refused too.
  auto other = *crypto::SigningKey::Generate("police");
  EXPECT_TRUE(absl::IsDataLoss(AuditLog::Open(dir_, other.get()).status()));
}

TEST_F(AuditLogTest, ConcurrentAppendsShareCommitsAndGetDistinctIndices) {
  auto log = OpenLog();
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> got(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        Event e;
        e.event = "test";
        e.count = static_cast<uint64_t>(t * 1000 + i);
        auto index = log->Append(e);
        ASSERT_TRUE(index.ok());
        got[t].push_back(*index);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<uint64_t> all;
  for (const auto& v : got) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 400u);
  EXPECT_EQ(*all.rbegin(), 399u);
  ASSERT_TRUE(log->Checkpoint().ok());
  log.reset();
  EXPECT_TRUE(Reopen().ok());
}

TEST_F(AuditLogTest, TwoWritersOnOneLogStayConsistent) {
  auto server = OpenLog();
  auto cli = OpenLog();
  for (int i = 0; i < 30; ++i) {
    Event e;
    e.event = i % 2 ? "server" : "cli";
    ASSERT_TRUE((i % 2 ? server : cli)->Append(e).ok());
    if (i % 7 == 0) {
      ASSERT_TRUE((i % 2 ? cli : server)->Checkpoint().ok());
    }
  }
  ASSERT_TRUE(server->Checkpoint().ok());
  ASSERT_TRUE(cli->Checkpoint().ok());
  EXPECT_EQ(server->size(), 30u);
  EXPECT_EQ(cli->size(), 30u);
  EXPECT_TRUE(Reopen().ok());
}

TEST_F(AuditLogTest, BackgroundCheckpointsCoverNewEntries) {
  auto log = OpenLog();
  log->StartCheckpointing(absl::Milliseconds(20));
  Event e;
  e.event = "x";
  ASSERT_TRUE(log->Append(e).ok());
  ASSERT_TRUE(log->Append(e).ok());
  bool covered = false;
  // Up to 60 s: the checkpointer's signed, synced writes may wait on a CI
  // machine busy with other tests (2 s were tight); no time is asserted.
  for (int i = 0; i < 6000 && !covered; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
    auto db = RawDb();
    auto st = *db->Prepare("SELECT MAX(size) FROM checkpoints");
    covered = *st->Step() && st->ColumnInt64(0) == 2;
  }
  EXPECT_TRUE(covered);
}

TEST_F(AuditLogTest, EveryFlippedByteOfAnExportIsDetected) {
  Fill(12);
  auto log = OpenLog();
  auto bytes = log->Export();
  ASSERT_TRUE(bytes.ok());
  auto verified = VerifyExport(*bytes);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->entries, 12u);
  for (size_t pos = 0; pos < bytes->size(); ++pos) {
    for (unsigned char bit : {0x01, 0x80}) {
      std::string flipped = *bytes;
      flipped[pos] ^= bit;
      EXPECT_FALSE(VerifyExport(flipped).ok()) << "byte " << pos << " bit " << int(bit);
    }
  }
  for (size_t cut = 0; cut < bytes->size(); cut += 7) {  // truncated anywhere
    EXPECT_FALSE(VerifyExport(bytes->substr(0, cut)).ok()) << "cut at " << cut;
  }
}

TEST_F(AuditLogTest, ExportWithEntriesRemovedOrReorderedIsRefusedNamingTheRange) {
  Fill(12);
  auto bytes = *OpenLog()->Export();
  fedlink::v1::AuditExport in;
  ASSERT_TRUE(in.ParseFromString(bytes));
  for (int i = 0; i < in.entries_size(); ++i) {
    fedlink::v1::AuditExport removed = in;
    removed.mutable_entries()->DeleteSubrange(i, 1);
    EXPECT_FALSE(VerifyExport(removed.SerializeAsString()).ok()) << "removed " << i;
  }
  fedlink::v1::AuditExport swapped = in;
  swapped.mutable_entries()->SwapElements(6, 7);
  auto s = VerifyExport(swapped.SerializeAsString()).status();
  EXPECT_TRUE(absl::IsDataLoss(s));
  EXPECT_NE(s.message().find("entries 5 to 9"), std::string::npos) << s;
  // Not the roster's key: refused.
  auto other = *crypto::SigningKey::Generate("police");
  EXPECT_TRUE(absl::IsPermissionDenied(VerifyExport(bytes, other->VerifierKey()).status()));
}

}  // namespace
}  // namespace fedlink::audit
