// Key sources and the wrapped data key: each source opens the node's data
// key; a missing, loose, wrong or altered one is refused in one line naming
// the source, and the node directory is left as it was.
#include "node/config/key_source.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "absl/strings/str_cat.h"
#include "crypto/sealed_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/common/whole_file.h"
#include "node/config/data_key_rotation.h"
#include "node/config/node_dir.h"

namespace fedlink::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Fresh(const std::string& suffix) {
  const std::string path = ::testing::TempDir() + "/keysrc-" +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name() + suffix;
  std::filesystem::remove_all(path);
  return path;
}

KeySource KeyFile(const std::string& path) {
  KeySource s;
  s.kind = KeySource::Kind::kKeyFile;
  s.path = path;
  return s;
}

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::filesystem::remove(path);
  { std::ofstream(path) << text; }
  ASSERT_EQ(chmod(path.c_str(), mode), 0);
}

NodeConfig Config(const std::string& id) {
  NodeConfig c;
  c.node_id = id;
  c.organisation = id;
  return c;
}

// Every file under dir with its bytes: to show a refused opening changed nothing.
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out[e.path().string()] = *common::ReadWholeFile(e.path().string());
  }
  return out;
}

TEST(KeySourceTest, AKeyFileIsMadeOnFirstUseAndOpensTheDataKey) {
  const std::string dir = Fresh("-node"), kek = Fresh(".kek");
  std::filesystem::create_directories(dir);
  const common::NodePaths paths(dir);
  auto made = CreateDataKey(paths, "a", KeyFile(kek));
  ASSERT_TRUE(made.ok()) << made.status();
  struct stat st;
  ASSERT_EQ(stat(kek.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((dir + "/data.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto opened = OpenDataKey(paths, "a", {});  // the recorded key file
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ((*opened)->LookupDigest("d", "v"), (*made)->LookupDigest("d", "v"));
  EXPECT_TRUE(absl::IsAlreadyExists(CreateDataKey(paths, "a", KeyFile(kek)).status()));
}

TEST(KeySourceTest, AMissingLooseOrWrongKeyFileIsRefusedNamingIt) {
  const std::string dir = Fresh("-node"), kek = Fresh(".kek"), other = Fresh("-other.kek");
  std::filesystem::create_directories(dir);
  const common::NodePaths paths(dir);
  ASSERT_TRUE(CreateDataKey(paths, "a", KeyFile(kek)).ok());
  ASSERT_TRUE(WriteNewKeyFile(other).ok());

  auto wrong = OpenDataKey(paths, "a", KeyFile(other));
  EXPECT_TRUE(absl::IsPermissionDenied(wrong.status())) << wrong.status();
  EXPECT_THAT(wrong.status().message(), HasSubstr("key file " + other));
  EXPECT_THAT(wrong.status().message(), HasSubstr("does not open"));

  ASSERT_EQ(chmod(kek.c_str(), 0640), 0);
  auto loose = OpenDataKey(paths, "a", {});
  EXPECT_TRUE(absl::IsPermissionDenied(loose.status())) << loose.status();
  EXPECT_THAT(loose.status().message(), HasSubstr("key file " + kek + ": mode 0640 is too open"));

  ASSERT_EQ(chmod(kek.c_str(), 0400), 0);  // read-only for its owner is fine
  EXPECT_TRUE(OpenDataKey(paths, "a", {}).ok());

  std::filesystem::remove(kek);
  auto missing = OpenDataKey(paths, "a", {});
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  EXPECT_EQ(missing.status().message(), "key file " + kek + ": missing");

  WriteFile(kek, "not base64 at all\n", 0600);
  EXPECT_TRUE(absl::IsDataLoss(OpenDataKey(paths, "a", {}).status()));
}

TEST(KeySourceTest, AnAlteredOrForeignDataKeyFileIsRefused) {
  const std::string dir = Fresh("-node"), kek = Fresh(".kek");
  std::filesystem::create_directories(dir);
  const common::NodePaths paths(dir);
  ASSERT_TRUE(CreateDataKey(paths, "a", KeyFile(kek)).ok());
  const std::string data_key = dir + "/data.key";
  const std::string original = *common::ReadWholeFile(data_key);
  EXPECT_TRUE(absl::IsFailedPrecondition(OpenDataKey(paths, "b", {}).status()));

  // The source line points at a copy of the same key: still refused, the
  // line is authenticated.
  const std::string copy = Fresh("-copy.kek");
  WriteFile(copy, *common::ReadWholeFile(kek), 0600);
  std::string moved = original;
  moved.replace(moved.find(kek), kek.size(), copy);
  WriteFile(data_key, moved, 0600);
  EXPECT_TRUE(absl::IsPermissionDenied(OpenDataKey(paths, "a", {}).status()));

  std::string flipped = original;
  flipped[flipped.size() - 10] = flipped[flipped.size() - 10] == 'A' ? 'B' : 'A';
  WriteFile(data_key, flipped, 0600);
  EXPECT_TRUE(absl::IsPermissionDenied(OpenDataKey(paths, "a", {}).status()));

  WriteFile(data_key, original.substr(0, original.size() - 20), 0600);
  EXPECT_TRUE(absl::IsDataLoss(OpenDataKey(paths, "a", {}).status()));

  WriteFile(data_key, original, 0600);
  EXPECT_TRUE(OpenDataKey(paths, "a", {}).ok());
}

TEST(KeySourceTest, APassphraseFromAFileOpensAndAWrongOneDoesNot) {
  const std::string dir = Fresh("-node"), pass = Fresh(".pass"), bad = Fresh("-bad.pass");
  std::filesystem::create_directories(dir);
  const common::NodePaths paths(dir);
  KeySource source;
  source.kind = KeySource::Kind::kPassphraseFile;
  source.path = pass;
  WriteFile(pass, "short\n", 0600);
  EXPECT_TRUE(absl::IsInvalidArgument(CreateDataKey(paths, "a", source).status()));
  WriteFile(pass, "correct horse battery staple\n", 0600);
  auto made = CreateDataKey(paths, "a", source);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_THAT(*common::ReadWholeFile(dir + "/data.key"), Not(HasSubstr("horse")));
  EXPECT_TRUE(OpenDataKey(paths, "a", source).ok());

  KeySource wrong = source;
  wrong.path = bad;
  WriteFile(bad, "correct horse battery stapler\n", 0600);
  auto refused = OpenDataKey(paths, "a", wrong);
  EXPECT_TRUE(absl::IsPermissionDenied(refused.status())) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("passphrase file " + bad));

  ASSERT_EQ(chmod(pass.c_str(), 0644), 0);
  EXPECT_TRUE(absl::IsPermissionDenied(OpenDataKey(paths, "a", source).status()));

  // Without a flag the recorded source is a passphrase, and there is no
  // terminal to ask: refused saying so.
  auto no_tty = OpenDataKey(paths, "a", {});
  EXPECT_TRUE(absl::IsFailedPrecondition(no_tty.status())) << no_tty.status();
  // A key file given for a passphrase-wrapped key: refused before reading it.
  EXPECT_TRUE(absl::IsInvalidArgument(OpenDataKey(paths, "a", KeyFile(bad)).status()));
}

TEST(KeySourceTest, ASystemdCredentialIsReadFromTheCredentialsDirectory) {
  const std::string dir = Fresh("-node"), creds = Fresh("-creds");
  std::filesystem::create_directories(dir);
  std::filesystem::create_directories(creds);
  ASSERT_TRUE(WriteNewKeyFile(creds + "/fedlink-kek").ok());
  ASSERT_EQ(chmod((creds + "/fedlink-kek").c_str(), 0400), 0);
  const common::NodePaths paths(dir);
  KeySource source;
  source.kind = KeySource::Kind::kCredential;
  source.credential = "fedlink-kek";
  unsetenv("CREDENTIALS_DIRECTORY");
  auto unset = CreateDataKey(paths, "a", source);
  EXPECT_TRUE(absl::IsFailedPrecondition(unset.status())) << unset.status();
  EXPECT_THAT(unset.status().message(), HasSubstr("systemd credential fedlink-kek"));
  setenv("CREDENTIALS_DIRECTORY", creds.c_str(), 1);
  ASSERT_TRUE(CreateDataKey(paths, "a", source).ok());
  EXPECT_TRUE(OpenDataKey(paths, "a", {}).ok());
  source.credential = "../fedlink-kek";
  EXPECT_TRUE(absl::IsInvalidArgument(OpenDataKey(paths, "a", source).status()));
  unsetenv("CREDENTIALS_DIRECTORY");
}

TEST(EncryptedNodeTest, InitSealsEverySecretAndAWrongKeyOpensNothingAndChangesNothing) {
  const std::string dir = Fresh("-node"), kek = Fresh(".kek"), other = Fresh("-other.kek");
  const KeySource source = KeyFile(kek);
  ASSERT_TRUE(InitNode(dir, Config("police-1"), &source).ok());
  const common::NodePaths paths(dir);
  for (const std::string& f : {paths.identity_key(), paths.tls_key()}) {
    EXPECT_TRUE(crypto::IsSealedFile(*common::ReadWholeFile(f))) << f;
  }
  {
    auto node = OpenNode(dir, {});
    ASSERT_TRUE(node.ok()) << node.status();
    ASSERT_NE((*node)->data_key, nullptr);
    record::Person p;
    p.external_id = "CASE-1";
    p.given_name = "Tetiana";
    ASSERT_TRUE((*node)->store->Upsert({p}).ok());
  }
  const auto before = Snapshot(dir);
  ASSERT_TRUE(WriteNewKeyFile(other).ok());
  auto wrong = OpenNode(dir, {.key_source = KeyFile(other)});
  EXPECT_TRUE(absl::IsPermissionDenied(wrong.status())) << wrong.status();
  EXPECT_EQ(Snapshot(dir), before);
  std::filesystem::remove(kek);
  auto missing = OpenNode(dir, {});
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  EXPECT_EQ(Snapshot(dir), before);
}

TEST(EncryptedNodeTest, APlaintextNodeIsConvertedWhenOpenedWithAKeySource) {
  const std::string dir = Fresh("-node"), kek = Fresh(".kek");
  ASSERT_TRUE(InitNode(dir, Config("ngo-1"), nullptr).ok());  // as an older fedlink made it
  {
    auto node = OpenNode(dir, {});
    ASSERT_TRUE(node.ok()) << node.status();
    EXPECT_EQ((*node)->data_key, nullptr);
    record::Person p;
    p.external_id = "CASE-1";
    p.given_name = "Tetiana";
    ASSERT_TRUE((*node)->store->Upsert({p}).ok());
  }
  const common::NodePaths paths(dir);
  const std::string identity_before = *common::ReadWholeFile(paths.identity_key());
  {
    auto node = OpenNode(dir, {.key_source = KeyFile(kek)});
    ASSERT_TRUE(node.ok()) << node.status();
    ASSERT_NE((*node)->data_key, nullptr);
    EXPECT_EQ((*(*node)->store->Get("CASE-1"))->given_name, "Tetiana");
  }
  EXPECT_TRUE(crypto::IsSealedFile(*common::ReadWholeFile(paths.identity_key())));
  EXPECT_TRUE(crypto::IsSealedFile(*common::ReadWholeFile(paths.tls_key())));
  EXPECT_EQ(common::ReadWholeFile(paths.database())->find("Tetiana"), std::string::npos);
  // From now on the node needs its key: the recorded key file opens it.
  auto again = OpenNode(dir, {});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->identity->public_key(),
            (*crypto::SigningKey::Parse(identity_before))->public_key());
}

}  // namespace
}  // namespace fedlink::config

namespace fedlink::config {
namespace {

// A conversion killed (SIGKILL) at any point leaves a node that opens: in
// the clear without a key if data.key was not written yet, else with the
// key, which finishes the conversion; every record is there either way.
TEST(EncryptedNodeTest, AConversionKilledAtAnyPointLeavesTheOldNodeOrFinishesOnTheNextOpening) {
  constexpr int kRecords = 3000;
  const std::string kek = Fresh(".kek");
  ASSERT_TRUE(WriteNewKeyFile(kek).ok());
  int old_left = 0, new_left = 0;
  for (int round = 0; round < 8; ++round) {
    const std::string dir = Fresh(absl::StrCat("-", round));
    ASSERT_TRUE(InitNode(dir, Config("ngo-1"), nullptr).ok());
    {
      auto node = OpenNode(dir, {});
      ASSERT_TRUE(node.ok()) << node.status();
      std::vector<record::Person> persons(kRecords);
      for (int i = 0; i < kRecords; ++i) {
        persons[i].external_id = absl::StrCat("CASE-", i);
        persons[i].given_name = absl::StrCat("Tetiana", i);
      }
      ASSERT_TRUE((*node)->store->Upsert(persons).ok());
    }
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      auto node = OpenNode(dir, {.key_source = KeyFile(kek)});
      _exit(node.ok() ? 0 : 1);
    }
    // From at once to after the conversion would have finished.
    usleep(static_cast<useconds_t>(round * 15'000));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    const common::NodePaths paths(dir);
    if (!HasDataKey(paths)) {
      ++old_left;
      auto node = OpenNode(dir, {});
      ASSERT_TRUE(node.ok()) << "round " << round << ": " << node.status();
      EXPECT_EQ(*(*node)->store->Count(), static_cast<uint64_t>(kRecords));
    } else {
      ++new_left;
    }
    auto node = OpenNode(dir, {.key_source = KeyFile(kek)});
    ASSERT_TRUE(node.ok()) << "round " << round << ": " << node.status();
    EXPECT_EQ(*(*node)->store->Count(), static_cast<uint64_t>(kRecords)) << "round " << round;
    auto p = (*node)->store->Get("CASE-17");
    ASSERT_TRUE(p.ok() && p->has_value()) << "round " << round;
    EXPECT_EQ((*p)->given_name, "Tetiana17");
    node->reset();
    EXPECT_EQ(common::ReadWholeFile(paths.database())->find("Tetiana"), std::string::npos)
        << "round " << round;
  }
  // Say where the kills landed (both kinds are expected over the rounds).
  std::cerr << "killed before data.key: " << old_left << ", after: " << new_left << "\n";
}

}  // namespace
}  // namespace fedlink::config

namespace fedlink::config {
namespace {

TEST(KeyRotationTest, ARewrappedDataKeyOpensWithTheNewKeyOnlyAndTheDataIsUnchanged) {
  const std::string dir = Fresh("-node"), kek = Fresh(".kek"), next = Fresh("-next.kek");
  const KeySource source = KeyFile(kek);
  ASSERT_TRUE(InitNode(dir, Config("police-1"), &source).ok());
  {
    auto node = OpenNode(dir, {});
    ASSERT_TRUE(node.ok()) << node.status();
    record::Person p;
    p.external_id = "CASE-1";
    p.given_name = "Tetiana";
    ASSERT_TRUE((*node)->store->Upsert({p}).ok());
    EXPECT_TRUE(
        absl::IsInvalidArgument(RewrapDataKey((*node)->paths, "police-1", *(*node)->data_key, {})));
    ASSERT_TRUE(RewrapDataKey((*node)->paths, "police-1", *(*node)->data_key, KeyFile(next)).ok());
  }
  const std::string db_before = *common::ReadWholeFile(common::NodePaths(dir).database());
  EXPECT_TRUE(absl::IsPermissionDenied(OpenNode(dir, {.key_source = KeyFile(kek)}).status()));
  auto node = OpenNode(dir, {});  // data.key now names the new key file
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ((*(*node)->store->Get("CASE-1"))->given_name, "Tetiana");
  EXPECT_EQ(*common::ReadWholeFile(common::NodePaths(dir).database()), db_before);
}

}  // namespace
}  // namespace fedlink::config
