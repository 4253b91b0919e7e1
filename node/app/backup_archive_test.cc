// The backup file format (backup_archive.h): a round trip, then every way a
// backup can be damaged, cut short, extended or opened with the wrong key.
#include "node/app/backup_archive.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "node/app/test_key_source.h"
#include "node/common/whole_file.h"

namespace fedlink::app {
namespace {

const char kSecret[] = "Zhanybekova-personal-value";

struct Fixture {
  std::string dir;
  std::string data_key_file;
  std::unique_ptr<crypto::DataKey> key;
  config::KeySource source;
};

Fixture MakeNodeKey(const std::string& name) {
  Fixture f;
  f.dir = ::testing::TempDir() + "/" +
          ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" + name;
  std::filesystem::remove_all(f.dir);
  std::filesystem::create_directories(f.dir);
  f.source = TestKeyFile(name);
  std::filesystem::remove(f.source.path);
  auto key = config::CreateDataKey(common::NodePaths(f.dir), name, f.source);
  EXPECT_TRUE(key.ok()) << key.status();
  f.key = *std::move(key);
  f.data_key_file = *common::ReadWholeFile(f.dir + "/data.key");
  return f;
}

BackupManifest SampleManifest(const std::string& node) {
  BackupManifest m;
  m.created = 1700000000;
  m.node_id = node;
  m.schema = {{"node.db", 3}, {"audit.db", 2}};
  m.records = 42;
  m.audit_entries = 7;
  m.audit_checkpoint_size = 6;
  m.audit_checkpoint_root = std::string(64, 'a');
  m.files = 3;
  return m;
}

// Writes a backup of three files, one larger than a chunk.
std::string WriteSample(const Fixture& f, const std::string& node, const std::string& path) {
  std::FILE* out = std::fopen(path.c_str(), "wb");
  auto w = BackupWriter::Start(out, node, f.data_key_file, *f.key, SampleManifest(node));
  EXPECT_TRUE(w->AddFile("node.conf", "node_id: \"x\"\n").ok());
  EXPECT_TRUE(w->AddFile("node.db", std::string(kBackupChunkBytes + 5, 'z') + kSecret).ok());
  EXPECT_TRUE(w->AddFile("cache/ngo.victim-dedup", kSecret).ok());
  EXPECT_TRUE(w->Finish().ok());
  std::fclose(out);
  return *common::ReadWholeFile(path);
}

absl::StatusOr<OpenedBackup> Read(const std::string& path, const config::KeySource& source,
                                  std::map<std::string, std::string>* files = nullptr,
                                  const std::string& node = "") {
  return ReadBackup(path, source, node, [&](const std::string& name, std::string content) {
    if (files != nullptr) (*files)[name] = std::move(content);
    return absl::OkStatus();
  });
}

void Overwrite(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// The offsets at which frames begin (the first is the manifest's).
std::vector<size_t> FrameStarts(const std::string& bytes, const Fixture& f) {
  size_t at = bytes.find("data-key ");
  at = bytes.find('\n', at) + 1 + f.data_key_file.size() + crypto::kStreamHeaderSize;
  std::vector<size_t> starts;
  while (at + 4 <= bytes.size()) {
    starts.push_back(at);
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
    at += 4 + (p[0] | (p[1] << 8) | (p[2] << 16) | (uint32_t{p[3]} << 24));
  }
  return starts;
}

TEST(BackupArchiveTest, FilesAndManifestReadBackWithTheKeySource) {
  Fixture f = MakeNodeKey("police");
  const std::string path = f.dir + ".fbk";
  const std::string bytes = WriteSample(f, "police", path);
  EXPECT_EQ(bytes.find(kSecret), std::string::npos) << "content in the clear";
  std::map<std::string, std::string> files;
  auto opened = Read(path, f.source, &files);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->node_id, "police");
  EXPECT_EQ(opened->manifest.Encode(), SampleManifest("police").Encode());
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files["node.db"], std::string(kBackupChunkBytes + 5, 'z') + kSecret);
  EXPECT_EQ(files["cache/ngo.victim-dedup"], kSecret);
  // The recorded source (data.key's own line) opens it too.
  EXPECT_TRUE(Read(path, config::KeySource{}).ok());
}

TEST(BackupArchiveTest, AFlippedByteAnywhereIsRefusedNamingTheFileNeverAValue) {
  Fixture f = MakeNodeKey("police");
  const std::string path = f.dir + ".fbk";
  const std::string bytes = WriteSample(f, "police", path);
  const std::string bad = f.dir + "-flipped.fbk";
  // Every byte of the prelude, header, manifest and last frames; a sample of
  // the rest.
  for (size_t i = 0; i < bytes.size(); i += (i < 700 || i + 60 > bytes.size()) ? 1 : 4999) {
    std::string flipped = bytes;
    flipped[i] ^= 0x20;
    Overwrite(bad, flipped);
    auto opened = Read(bad, f.source);
    ASSERT_FALSE(opened.ok()) << "byte " << i;
    const std::string message(opened.status().message());
    EXPECT_EQ(message.rfind(bad, 0), 0u) << "byte " << i << ": " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(message.find(kSecret), std::string::npos) << message;
  }
}

TEST(BackupArchiveTest, ABackupCutAtAnyFrameOrInsideOneIsTruncated) {
  Fixture f = MakeNodeKey("police");
  const std::string path = f.dir + ".fbk";
  const std::string bytes = WriteSample(f, "police", path);
  const std::string bad = f.dir + "-cut.fbk";
  std::vector<size_t> cuts = FrameStarts(bytes, f);
  ASSERT_GE(cuts.size(), 6u);  // manifest, 3 files (one of 2 chunks), end
  cuts.push_back(bytes.size() - 1);
  cuts.push_back(cuts[1] + 7);
  cuts.push_back(40);
  for (size_t cut : cuts) {
    Overwrite(bad, bytes.substr(0, cut));
    auto opened = Read(bad, f.source);
    ASSERT_FALSE(opened.ok()) << "cut at " << cut;
    EXPECT_TRUE(absl::IsDataLoss(opened.status())) << opened.status();
  }
  // Cut exactly before the end frame: every file is there, the end is not.
  Overwrite(bad, bytes.substr(0, cuts[cuts.size() - 4]));
  EXPECT_NE(Read(bad, f.source).status().message().find("truncated"), std::string::npos);
}

TEST(BackupArchiveTest, BytesAfterTheEndAreRefused) {
  Fixture f = MakeNodeKey("police");
  const std::string path = f.dir + ".fbk";
  const std::string bytes = WriteSample(f, "police", path);
  Overwrite(path, bytes + "x");
  auto opened = Read(path, f.source);
  EXPECT_TRUE(absl::IsDataLoss(opened.status())) << opened.status();
}

TEST(BackupArchiveTest, AnotherNodesKeyOrANodeIdThatDiffersOpensNothing) {
  Fixture police = MakeNodeKey("police");
  Fixture ngo = MakeNodeKey("ngo");
  const std::string path = ngo.dir + ".fbk";
  WriteSample(ngo, "ngo", path);
  bool called = false;
  auto opened = ReadBackup(path, police.source, "", [&](const std::string&, std::string) {
    called = true;
    return absl::OkStatus();
  });
  EXPECT_TRUE(absl::IsPermissionDenied(opened.status())) << opened.status();
  EXPECT_NE(opened.status().message().find(path), std::string::npos);
  EXPECT_FALSE(called);
  EXPECT_TRUE(absl::IsFailedPrecondition(Read(path, ngo.source, nullptr, "police").status()));
}

TEST(BackupArchiveTest, TheStreamOfOneBackupUnderThePreludeOfAnotherDoesNotOpen) {
  Fixture f = MakeNodeKey("police");
  const std::string a = WriteSample(f, "police", f.dir + "-a.fbk");
  const std::string b = WriteSample(f, "police", f.dir + "-b.fbk");
  const size_t frames = FrameStarts(a, f)[0];
  ASSERT_EQ(frames, FrameStarts(b, f)[0]);
  // a's prelude (and header) with b's frames; b's frames under a's header.
  Overwrite(f.dir + "-mixed.fbk", a.substr(0, frames) + b.substr(frames));
  EXPECT_TRUE(absl::IsDataLoss(Read(f.dir + "-mixed.fbk", f.source).status()));
}

TEST(BackupArchiveTest, ManifestRoundTripsAndJunkIsRefused) {
  const BackupManifest m = SampleManifest("police");
  auto back = BackupManifest::Decode("m", m.Encode());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->SameContent(m));
  EXPECT_EQ(back->Encode(), m.Encode());
  for (const std::string& junk :
       {std::string(""), std::string("fedlink backup manifest v1\n"), m.Encode() + "records 1\n",
        std::string("x\n"), absl::StrReplaceAll(m.Encode(), {{"records 42", "records -1"}}),
        absl::StrReplaceAll(m.Encode(), {{"schema node.db", "schema ../node.db"}})}) {
    EXPECT_TRUE(absl::IsDataLoss(BackupManifest::Decode("m", junk).status())) << junk;
  }
  BackupManifest other = m;
  other.records = 41;
  EXPECT_FALSE(other.SameContent(m));
}

TEST(BackupArchiveTest, OnlyPlainNodeFileNamesAreBackupNames) {
  EXPECT_TRUE(IsBackupFileName("node.db"));
  EXPECT_TRUE(IsBackupFileName("cache/ngo.victim-dedup"));
  for (const char* bad :
       {"", "../x", "a/b", "cache/../x", ".hidden", "cache/", "x y", "cache/a/b"}) {
    EXPECT_FALSE(IsBackupFileName(bad)) << bad;
  }
}

}  // namespace
}  // namespace fedlink::app
