#include "crypto/signed_note.h"

#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::crypto {
namespace {

using ::testing::HasSubstr;

// C2SP signed-note example (shared/vectors/c2sp/signed-note.md).
constexpr char kSpecVkey[] =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
constexpr char kSpecNote[] =
    "This is an example message.\n\n"
    "\xe2\x80\x94 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRK"
    "uwHjG1Yu72IneyaQM=\n";

// C2SP tlog-cosignature example: a checkpoint with a log signature and a
// witness cosignature.
constexpr char kSpecCosigned[] =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/"
    "Xajj7h2fB2MPA3j2jxq2I=\n\n"
    "\xe2\x80\x94 example.com/behind-the-sofa "
    "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
    "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "\xe2\x80\x94 witness.example.com/w1 "
    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/"
    "zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";

TEST(SignedNoteTest, VerifiesTheSpecExample) {
  auto v = Verifier::Parse(kSpecVkey);
  ASSERT_TRUE(v.ok());
  std::vector<std::string> by;
  auto text = note::Verify(kSpecNote, {*v}, &by);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "This is an example message.\n");
  EXPECT_THAT(by, ::testing::ElementsAre("example.com/foo"));
}

TEST(SignedNoteTest, RejectsTamperedSpecExample) {
  auto v = Verifier::Parse(kSpecVkey);
  std::string tampered = kSpecNote;
  tampered[5] = 'X';  // "This Xs an example..."
  EXPECT_TRUE(absl::IsUnauthenticated(note::Verify(tampered, {*v}).status()));
}

TEST(SignedNoteTest, UnknownKeysAreIgnoredButSomeKnownKeyMustVerify) {
  auto a = SigningKey::Generate("node-a");
  auto b = SigningKey::Generate("node-b");
  auto signed_a = note::Sign("hello\n", **a);
  ASSERT_TRUE(signed_a.ok());
  Verifier va = *Verifier::Parse((*a)->VerifierKey());
  Verifier vb = *Verifier::Parse((*b)->VerifierKey());
  EXPECT_TRUE(note::Verify(*signed_a, {va, vb}).ok());
  EXPECT_THAT(std::string(note::Verify(*signed_a, {vb}).status().message()),
              HasSubstr("not signed by any known key"));
  // Same name, different key: ignored (ids differ), so still no known key.
  auto impostor = SigningKey::Generate("node-a");
  EXPECT_FALSE(note::Verify(*signed_a, {*Verifier::Parse((*impostor)->VerifierKey())}).ok());
}

TEST(SignedNoteTest, AKnownKeyWithABadSignatureRejectsTheNote) {
  auto a = SigningKey::Generate("node-a");
  auto b = SigningKey::Generate("node-b");
  auto n = note::Sign("hello\n", **a);
  // Append a line claiming to be node-b's key but holding garbage.
  note::SignatureLine forged{"node-b", (*b)->key_id(), std::string(64, 'x')};
  auto both = note::AddSignatures(*n, {forged});
  ASSERT_TRUE(both.ok());
  Verifier va = *Verifier::Parse((*a)->VerifierKey());
  Verifier vb = *Verifier::Parse((*b)->VerifierKey());
  EXPECT_TRUE(note::Verify(*both, {va}).ok());
  EXPECT_THAT(std::string(note::Verify(*both, {va, vb}).status().message()),
              HasSubstr("node-b does not verify"));
}

TEST(SignedNoteTest, RejectsMalformedNotes) {
  auto a = SigningKey::Generate("n");
  Verifier va = *Verifier::Parse((*a)->VerifierKey());
  EXPECT_FALSE(note::Sign("no newline", **a).ok());
  EXPECT_FALSE(note::Sign("tab\there\n", **a).ok());
  std::string good = *note::Sign("x\n", **a);
  EXPECT_FALSE(note::Verify("x\n", {va}).ok());                            // no signatures
  EXPECT_FALSE(note::Verify(good.substr(0, good.size() - 1), {va}).ok());  // truncated
  EXPECT_FALSE(note::Verify("x\n\n- n AAAA\n", {va}).ok());                // not an em dash
  EXPECT_FALSE(note::Verify("x\n\n\xe2\x80\x94 n !!!!\n", {va}).ok());     // bad base64
  EXPECT_FALSE(note::Verify("x\r\n\n" + good.substr(3), {va}).ok());       // control char
}

TEST(CheckpointTest, ParsesTheSpecCosignedCheckpoint) {
  auto parsed = note::Parse(kSpecCosigned);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  auto body = checkpoint::Checkpoint::ParseBody(parsed->text);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(body->origin, "example.com/behind-the-sofa");
  EXPECT_EQ(body->size, 20852163u);
  EXPECT_EQ(body->Body(), parsed->text);
  ASSERT_EQ(parsed->signatures.size(), 2u);
  auto cosig = checkpoint::ParseCosignature(parsed->signatures[1]);
  ASSERT_TRUE(cosig.ok()) << cosig.status();
  EXPECT_EQ(cosig->name, "witness.example.com/w1");
  EXPECT_EQ(cosig->timestamp, 1679315147u);  // the spec's "time 1679315147"
  EXPECT_EQ(checkpoint::CosignedMessage(body->Body(), cosig->timestamp),
            "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
            "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
}

checkpoint::Checkpoint MakeCheckpoint(const std::string& origin, uint64_t size) {
  std::vector<std::string> leaves;
  for (uint64_t i = 0; i < size; ++i) leaves.push_back(merkle::LeafHash(std::to_string(i)));
  return {origin, size, merkle::RootHash(leaves), {}};
}

TEST(CheckpointTest, SignVerifyAndRejectTampering) {
  auto log = SigningKey::Generate("fedlink.local/police-1");
  Verifier v = *Verifier::Parse((*log)->VerifierKey());
  checkpoint::Checkpoint c = MakeCheckpoint("fedlink.local/police-1", 10);
  auto n = checkpoint::Sign(c, **log);
  ASSERT_TRUE(n.ok());
  auto back = checkpoint::Verify(*n, v);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->size, 10u);
  EXPECT_EQ(back->root_hash, c.root_hash);
  std::string tampered = *n;
  tampered.replace(tampered.find("\n10\n"), 4, "\n11\n");
  EXPECT_FALSE(checkpoint::Verify(tampered, v).ok());
  // A key whose name is not the origin cannot sign it.
  auto other = SigningKey::Generate("someone-else");
  EXPECT_FALSE(checkpoint::Sign(c, **other).ok());
}

TEST(CheckpointTest, RejectsMalformedBodies) {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  EXPECT_TRUE(checkpoint::Checkpoint::ParseBody("o\n5\n" + root + "\n").ok());
  EXPECT_FALSE(checkpoint::Checkpoint::ParseBody("o\n05\n" + root + "\n").ok());  // leading zero
  EXPECT_FALSE(checkpoint::Checkpoint::ParseBody("o\n-5\n" + root + "\n").ok());
  EXPECT_FALSE(checkpoint::Checkpoint::ParseBody("\n5\n" + root + "\n").ok());     // no origin
  EXPECT_FALSE(checkpoint::Checkpoint::ParseBody("o\n5\nAAAA\n").ok());            // short root
  EXPECT_FALSE(checkpoint::Checkpoint::ParseBody("o\n5\n" + root).ok());           // no newline
  EXPECT_FALSE(checkpoint::Checkpoint::ParseBody("o\n5\n" + root + "\n\n").ok());  // empty ext
  EXPECT_FALSE(checkpoint::Checkpoint::ParseBody("o\n5\n").ok());
}

TEST(CosignatureTest, CosignAndVerify) {
  auto witness = SigningKey::Generate("ngo-2");
  checkpoint::Checkpoint c = MakeCheckpoint("fedlink.local/police-1", 7);
  note::SignatureLine line = checkpoint::Cosign(c, **witness, 1'800'000'000);
  auto cosig = checkpoint::ParseCosignature(line);
  ASSERT_TRUE(cosig.ok());
  EXPECT_EQ(cosig->timestamp, 1'800'000'000u);
  EXPECT_TRUE(checkpoint::VerifyCosignature(c, *cosig, (*witness)->public_key()).ok());
  // A different checkpoint (a fork) does not carry the cosignature.
  checkpoint::Checkpoint fork = MakeCheckpoint("fedlink.local/police-1", 8);
  EXPECT_TRUE(absl::IsUnauthenticated(
      checkpoint::VerifyCosignature(fork, *cosig, (*witness)->public_key())));
  // A changed timestamp breaks the signature.
  auto shifted = *cosig;
  shifted.timestamp += 1;
  EXPECT_FALSE(checkpoint::VerifyCosignature(c, shifted, (*witness)->public_key()).ok());
  // Another witness's key: key id mismatch.
  auto other = SigningKey::Generate("ngo-2");
  EXPECT_TRUE(
      absl::IsPermissionDenied(checkpoint::VerifyCosignature(c, *cosig, (*other)->public_key())));
  // Cosignature key ids use type 0x04, unlike note signatures (0x01).
  EXPECT_NE(cosig->key_id, (*witness)->key_id());
  note::SignatureLine truncated = line;
  truncated.signature.pop_back();
  EXPECT_FALSE(checkpoint::ParseCosignature(truncated).ok());
}

}  // namespace
}  // namespace fedlink::crypto

namespace fedlink::crypto::note {
namespace {

TEST(SignedNoteStrictTest, NonCanonicalBase64InASignatureLineIsRefused) {
  auto key = *SigningKey::Generate("example.org/log");
  auto signed_note = Sign("hello\n", *key);
  ASSERT_TRUE(signed_note.ok());
  auto verifier = Verifier::Parse(key->VerifierKey());
  ASSERT_TRUE(verifier.ok());
  ASSERT_TRUE(Verify(*signed_note, {*verifier}).ok());
  // The signature line is 4 + 64 bytes: 92 base64 characters ending in "=",
  // so the last data character carries 2 unused bits. Setting them keeps
  // the decoded bytes the same under a lenient decoder.
  std::string tampered = *signed_note;
  const size_t last = tampered.rfind('=') - 1;
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const size_t value = alphabet.find(tampered[last]);
  ASSERT_NE(value, std::string::npos);
  tampered[last] = alphabet[value ^ 0x01];
  EXPECT_FALSE(Verify(tampered, {*verifier}).ok());
}

}  // namespace
}  // namespace fedlink::crypto::note
