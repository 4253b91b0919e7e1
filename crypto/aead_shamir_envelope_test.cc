#include <sodium.h>

#include <random>

#include "absl/strings/escaping.h"
#include "crypto/aead.h"
#include "crypto/shamir.h"
#include "crypto/signed_envelope.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::crypto {
namespace {

using ::testing::HasSubstr;

TEST(AeadTest, SealOpenAndRejectTamperingEverywhere) {
  auto key = SealingKey::Generate();
  const std::string sealed = key->Seal("handle=H123;role=victim", "slot-7");
  EXPECT_EQ(sealed.size(), 23 + kSealOverhead);
  auto opened = key->Open(sealed, "slot-7");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "handle=H123;role=victim");
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string t = sealed;
    t[i] ^= 0x01;
    EXPECT_TRUE(absl::IsDataLoss(key->Open(t, "slot-7").status())) << "byte " << i;
  }
  EXPECT_TRUE(absl::IsDataLoss(key->Open(sealed, "slot-8").status()));                // wrong AD
  EXPECT_TRUE(absl::IsDataLoss(key->Open(sealed.substr(0, 30), "slot-7").status()));  // truncated
  EXPECT_TRUE(absl::IsDataLoss(SealingKey::Generate()->Open(sealed, "slot-7").status()));
  // Fresh nonces: sealing twice differs.
  EXPECT_NE(key->Seal("x", ""), key->Seal("x", ""));
}

TEST(AeadTest, SubkeysAreSeparatedByIdAndContext) {
  auto master = SealingKey::FromBytes(std::string(32, '\x07'));
  ASSERT_TRUE(master.ok());
  auto a = (*master)->DeriveSubkey(1, "payload_");
  auto b = (*master)->DeriveSubkey(2, "payload_");
  auto c = (*master)->DeriveSubkey(1, "epochkey");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  const std::string sealed = (*a)->Seal("m", "");
  EXPECT_TRUE((*a)->Open(sealed, "").ok());
  EXPECT_FALSE((*b)->Open(sealed, "").ok());
  EXPECT_FALSE((*c)->Open(sealed, "").ok());
  // Deterministic: the same master, id and context give the same subkey.
  auto a2 = (*master)->DeriveSubkey(1, "payload_");
  EXPECT_TRUE((*a2)->Open(sealed, "").ok());
  EXPECT_FALSE((*master)->DeriveSubkey(1, "short").ok());
  EXPECT_FALSE(SealingKey::FromBytes("short").ok());
}

TEST(AeadTest, DeriveBytesSeparatesLabels) {
  // Determinism, label separation and bounds (the hash itself is libsodium's).
  const std::string y(64, '\x2a');
  auto tag = DeriveBytes(y, "fedlink/tag", 16);
  auto tag2 = DeriveBytes(y, "fedlink/tag", 16);
  auto mask = DeriveBytes(y, "fedlink/mask", 16);
  ASSERT_TRUE(tag.ok() && tag2.ok() && mask.ok());
  EXPECT_EQ(*tag, *tag2);
  EXPECT_NE(*tag, *mask);
  EXPECT_FALSE(DeriveBytes("short", "l", 16).ok());
  EXPECT_FALSE(DeriveBytes(y, "l", 8).ok());
  EXPECT_FALSE(DeriveBytes(y, "l", 65).ok());
}

TEST(ShamirTest, AnyTSharesReconstructOverRandomParameters) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 300; ++trial) {
    const int n = 1 + rng() % 20;
    const int t = 1 + rng() % n;
    std::string secret(rng() % 2 ? 16 : 32, '\0');
    randombytes_buf(secret.data(), secret.size());
    auto shares = shamir::Split(secret, t, n);
    ASSERT_TRUE(shares.ok()) << shares.status();
    ASSERT_EQ(shares->size(), static_cast<size_t>(n));
    std::vector<shamir::Share> pick = *shares;
    std::shuffle(pick.begin(), pick.end(), rng);
    pick.resize(t);
    auto back = shamir::Combine(pick);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, secret) << "t=" << t << " n=" << n;
    // More than t shares also work.
    EXPECT_EQ(*shamir::Combine(*shares), secret);
  }
}

TEST(ShamirTest, FewerThanTSharesAreConsistentWithEverySecret) {
  // For t-1 real shares and ANY candidate secret s', there is a polynomial of
  // degree t-1 through them and (0, s'): the shares carry no information.
  const std::string secret(16, '\x11');
  for (int t = 2; t <= 6; ++t) {
    auto shares = *shamir::Split(secret, t, t + 2);
    std::vector<shamir::Share> known(shares.begin(), shares.begin() + (t - 1));
    for (int candidate = 0; candidate < 4; ++candidate) {
      std::string fake(16, static_cast<char>(0x40 + candidate));
      // Interpolate the polynomial through known + (0, fake) and evaluate it
      // at another x by combining (Lagrange at 0 of a shifted set).
      std::vector<shamir::Share> through = known;
      // Find y at x = t+2 such that combining known + (t+2, y) yields fake:
      // search the byte-wise unique solution.
      shamir::Share extra{static_cast<uint8_t>(t + 2), std::string(16, '\0')};
      for (size_t b = 0; b < 16; ++b) {
        bool found = false;
        for (int y = 0; y < 256 && !found; ++y) {
          extra.y[b] = static_cast<char>(y);
          std::vector<shamir::Share> s = known;
          s.push_back(extra);
          if ((*shamir::Combine(s))[b] == fake[b]) found = true;
        }
        ASSERT_TRUE(found) << "no share completes t-1 shares to the candidate";
      }
      through.push_back(extra);
      EXPECT_EQ(*shamir::Combine(through), fake);
    }
  }
}

TEST(ShamirTest, WrongShareGivesWrongSecretThatTheAeadRejects) {
  std::string secret(16, '\0');
  randombytes_buf(secret.data(), secret.size());
  auto payload_key = SealingKey::FromBytes(*DeriveBytes(secret + secret, "payload", 32));
  const std::string sealed = (*payload_key)->Seal("handle", "");
  auto shares = *shamir::Split(secret, 3, 5);
  shares[1].y[4] ^= 0x20;  // one corrupted share
  std::vector<shamir::Share> pick(shares.begin(), shares.begin() + 3);
  auto wrong = shamir::Combine(pick);
  ASSERT_TRUE(wrong.ok());
  EXPECT_NE(*wrong, secret);
  auto wrong_key = SealingKey::FromBytes(*DeriveBytes(*wrong + *wrong, "payload", 32));
  EXPECT_TRUE(absl::IsDataLoss((*wrong_key)->Open(sealed, "").status()));
}

TEST(ShamirTest, RejectsBadShareSets) {
  auto shares = *shamir::Split(std::string(16, 'k'), 2, 3);
  EXPECT_THAT(std::string(shamir::Combine({shares[0], shares[0]}).status().message()),
              HasSubstr("duplicate share index 1"));
  EXPECT_FALSE(shamir::Combine({}).ok());
  shamir::Share zero{0, shares[0].y};
  EXPECT_FALSE(shamir::Combine({zero, shares[1]}).ok());
  shamir::Share short_share{9, "abc"};
  EXPECT_FALSE(shamir::Combine({shares[0], short_share}).ok());
  EXPECT_FALSE(shamir::Split("", 1, 1).ok());
  EXPECT_FALSE(shamir::Split("s", 0, 1).ok());
  EXPECT_FALSE(shamir::Split("s", 3, 2).ok());
  EXPECT_FALSE(shamir::Split("s", 2, 256).ok());
}

class EnvelopeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = *SigningKey::Generate("police-1");
    verifier_ = *Verifier::Parse(key_->VerifierKey());
    sealed_ = *envelope::Seal(*key_, "fedlink.v1.Test", std::string("\x08\x96\x01body", 7));
  }
  std::unique_ptr<SigningKey> key_;
  Verifier verifier_;
  std::string sealed_;
};

TEST_F(EnvelopeTest, OpensToTheExactBodyBytes) {
  auto body = envelope::Open(sealed_, "fedlink.v1.Test", verifier_);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(*body, std::string("\x08\x96\x01body", 7));
}

TEST_F(EnvelopeTest, AnyFlippedByteIsRejected) {
  for (size_t i = 0; i < sealed_.size(); ++i) {
    std::string t = sealed_;
    t[i] ^= 0x04;
    EXPECT_FALSE(envelope::Open(t, "fedlink.v1.Test", verifier_).ok()) << "byte " << i;
  }
}

TEST_F(EnvelopeTest, TruncatedOrExtendedIsRejected) {
  for (size_t n = 0; n < sealed_.size(); ++n) {
    EXPECT_FALSE(envelope::Open(sealed_.substr(0, n), "fedlink.v1.Test", verifier_).ok());
  }
  EXPECT_FALSE(envelope::Open(sealed_ + "x", "fedlink.v1.Test", verifier_).ok());
}

TEST_F(EnvelopeTest, WrongContextOrKeyIsRejected) {
  EXPECT_TRUE(
      absl::IsInvalidArgument(envelope::Open(sealed_, "fedlink.v1.Other", verifier_).status()));
  auto other = SigningKey::Generate("police-1");  // same name, other key
  EXPECT_TRUE(absl::IsPermissionDenied(
      envelope::Open(sealed_, "fedlink.v1.Test", *Verifier::Parse((*other)->VerifierKey()))
          .status()));
  // A signature made under one context does not verify under another even
  // if an attacker rewrites the context field.
  auto e = *envelope::Parse(sealed_);
  std::string forged = *envelope::Seal(*key_, "fedlink.v1.Othr", e.body);
  forged.replace(forged.size() - 64, 64, e.signature);
  EXPECT_TRUE(
      absl::IsUnauthenticated(envelope::Open(forged, "fedlink.v1.Othr", verifier_).status()));
}

}  // namespace
}  // namespace fedlink::crypto
