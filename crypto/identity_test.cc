#include "crypto/identity.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::crypto {
namespace {

using ::testing::HasSubstr;

// C2SP signed-note worked example (shared/vectors/c2sp/signed-note.md).
constexpr char kSpecVkey[] =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
constexpr char kSpecText[] = "This is an example message.\n";
constexpr char kSpecSig[] =
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRK"
    "uwHjG1Yu72IneyaQM=";

// The key pair from Go's golang.org/x/mod/sumdb/note documentation.
constexpr char kGoPrivate[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+"
    "Y7hfZx09iUvxdXHKDFz";
constexpr char kGoVkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

std::string TempDir() {
  auto dir = std::filesystem::path(::testing::TempDir()) /
             ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

TEST(IdentityTest, SpecVerifierKeyParsesAndVerifiesSpecSignature) {
  auto v = Verifier::Parse(kSpecVkey);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->name, "example.com/foo");
  EXPECT_EQ(v->key_id, 0x530d903au);
  EXPECT_EQ(v->ToString(), kSpecVkey);
  std::string sig;
  ASSERT_TRUE(absl::Base64Unescape(kSpecSig, &sig));
  ASSERT_EQ(sig.size(), 68u);
  EXPECT_EQ(sig.substr(0, 4), std::string("\x53\x0d\x90\x3a", 4));  // key id prefix
  EXPECT_TRUE(v->Verify(kSpecText, sig.substr(4)).ok());
  // Tampered text and tampered signature are both refused.
  EXPECT_TRUE(absl::IsUnauthenticated(v->Verify("This is an example message!\n", sig.substr(4))));
  std::string bad = sig.substr(4);
  bad[10] ^= 1;
  EXPECT_TRUE(absl::IsUnauthenticated(v->Verify(kSpecText, bad)));
}

TEST(IdentityTest, GoNotePrivateKeyMatchesItsPublishedVerifierKey) {
  auto key = SigningKey::Parse(kGoPrivate);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ((*key)->name(), "PeterNeumann");
  EXPECT_EQ((*key)->key_id(), 0xc74f20a3u);
  EXPECT_EQ((*key)->VerifierKey(), kGoVkey);
}

TEST(IdentityTest, SignaturesVerifyOnlyWithTheRightKeyAndMessage) {
  auto a = SigningKey::Generate("node-a");
  auto b = SigningKey::Generate("node-b");
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string sig = (*a)->Sign("hello");
  EXPECT_EQ(sig.size(), kEd25519SignatureSize);
  EXPECT_TRUE(VerifySignature((*a)->public_key(), "hello", sig).ok());
  EXPECT_TRUE(absl::IsUnauthenticated(VerifySignature((*b)->public_key(), "hello", sig)));
  EXPECT_TRUE(absl::IsUnauthenticated(VerifySignature((*a)->public_key(), "hellO", sig)));
  EXPECT_TRUE(absl::IsInvalidArgument(VerifySignature((*a)->public_key(), "hello", sig.substr(1))));
  EXPECT_TRUE(absl::IsInvalidArgument(VerifySignature((*a)->public_key().substr(1), "hello", sig)));
}

TEST(IdentityTest, SaveLoadRoundTripWithMode0600) {
  const std::string path = TempDir() + "/id.key";
  auto key = SigningKey::Generate("police-1");
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE((*key)->SaveToFile(path).ok());
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = SigningKey::LoadFromFile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->public_key(), (*key)->public_key());
  EXPECT_EQ((*loaded)->name(), "police-1");
  EXPECT_TRUE(absl::IsAlreadyExists((*key)->SaveToFile(path)));  // never overwrites
}

TEST(IdentityTest, RefusesLooseKeyFileModes) {
  const std::string path = TempDir() + "/id.key";
  auto key = SigningKey::Generate("n");
  ASSERT_TRUE((*key)->SaveToFile(path).ok());
  for (mode_t mode : {0644, 0640, 0604, 0660, 0602}) {
    chmod(path.c_str(), mode);
    auto loaded = SigningKey::LoadFromFile(path);
    EXPECT_TRUE(absl::IsPermissionDenied(loaded.status())) << std::oct << mode;
    EXPECT_THAT(std::string(loaded.status().message()), HasSubstr("too open"));
  }
  chmod(path.c_str(), 0400);
  EXPECT_TRUE(SigningKey::LoadFromFile(path).ok());
}

TEST(IdentityTest, RefusesMissingAndCorruptKeyFiles) {
  const std::string dir = TempDir();
  EXPECT_TRUE(absl::IsNotFound(SigningKey::LoadFromFile(dir + "/none.key").status()));
  auto write = [&](const std::string& text) {
    const std::string path = dir + "/bad.key";
    std::filesystem::remove(path);
    std::ofstream(path) << text;
    chmod(path.c_str(), 0600);
    return SigningKey::LoadFromFile(path).status();
  };
  EXPECT_TRUE(absl::IsDataLoss(write("garbage")));
  EXPECT_TRUE(absl::IsDataLoss(write("PRIVATE+KEY+n+00000000+AAAA")));  // short material
  // Right shape but the key id does not match the key.
  std::string wrong_id(kGoPrivate);
  wrong_id.replace(wrong_id.find("c74f20a3"), 8, "c74f20a4");
  EXPECT_TRUE(absl::IsDataLoss(write(wrong_id)));
  // Wrong signature type byte (0x02 instead of 0x01).
  std::string seed(32, 'x');
  EXPECT_TRUE(absl::IsDataLoss(
      write("PRIVATE+KEY+n+00000000+" + absl::Base64Escape(std::string(1, '\x02') + seed))));
  // The error never contains key material.
  absl::Status s = write(std::string(kGoPrivate).substr(0, 60));
  EXPECT_THAT(std::string(s.message()), ::testing::Not(HasSubstr("AYEKFALV")));
}

TEST(IdentityTest, RejectsBadNamesAndVerifierKeys) {
  EXPECT_FALSE(SigningKey::Generate("").ok());
  EXPECT_FALSE(SigningKey::Generate("has space").ok());
  EXPECT_FALSE(SigningKey::Generate("a+b").ok());
  EXPECT_FALSE(SigningKey::FromSeed("n", "short").ok());
  EXPECT_FALSE(Verifier::Parse("example.com/foo+530d903a").ok());
  EXPECT_FALSE(Verifier::Parse("example.com/"
                               "foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
                   .ok());
  EXPECT_FALSE(Verifier::Parse("example.com/"
                               "bar+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
                   .ok());
  EXPECT_FALSE(Verifier::Parse("example.com/"
                               "foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
                   .ok());
  EXPECT_FALSE(Verifier::Parse("example.com/foo+530d903a+!!!").ok());
}

}  // namespace
}  // namespace fedlink::crypto
