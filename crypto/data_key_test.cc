// The data key and the sealed-file format: what opens, and every way of
// altering, truncating, moving or re-keying that must not.
#include "crypto/data_key.h"

#include "crypto/sealed_file.h"
#include "gtest/gtest.h"

namespace fedlink::crypto {
namespace {

TEST(DataKeyTest, WrapsAndUnwrapsUnderItsKekAndAssociatedDataOnly) {
  auto key = DataKey::Generate();
  ASSERT_TRUE(key.ok());
  auto kek = SealingKey::Generate();
  const std::string wrapped = (*key)->Wrap(*kek, "node a");
  auto back = DataKey::Unwrap(*kek, wrapped, "node a");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ((*back)->LookupDigest("d", "v"), (*key)->LookupDigest("d", "v"));
  EXPECT_TRUE(absl::IsDataLoss(DataKey::Unwrap(*kek, wrapped, "node b").status()));
  EXPECT_TRUE(
      absl::IsDataLoss(DataKey::Unwrap(*SealingKey::Generate(), wrapped, "node a").status()));
  std::string flipped = wrapped;
  flipped[30] ^= 1;
  EXPECT_TRUE(absl::IsDataLoss(DataKey::Unwrap(*kek, flipped, "node a").status()));
  EXPECT_TRUE(absl::IsDataLoss(
      DataKey::Unwrap(*kek, wrapped.substr(0, wrapped.size() - 1), "node a").status()));
}

TEST(DataKeyTest, LookupDigestsAreKeyedAndDomainSeparated) {
  auto a = DataKey::Generate(), b = DataKey::Generate();
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string d = (*a)->LookupDigest("records.external_id", "CASE-17");
  EXPECT_EQ(d.size(), kLookupDigestSize);
  EXPECT_EQ(d, (*a)->LookupDigest("records.external_id", "CASE-17"));
  EXPECT_NE(d, (*b)->LookupDigest("records.external_id", "CASE-17"));
  EXPECT_NE(d, (*a)->LookupDigest("records.external_idC", "ASE-17"));
  EXPECT_NE(d, (*a)->LookupDigest("records.external_id", "CASE-18"));
}

TEST(DataKeyTest, ARowValueOpensOnlyInItsPlace) {
  auto key = DataKey::Generate();
  ASSERT_TRUE(key.ok());
  const SealingKey& s = (*key)->sealing();
  const std::string sealed = s.Seal("Ana", RowPlace("records", "rk1", "person", 1));
  EXPECT_EQ(*s.Open(sealed, RowPlace("records", "rk1", "person", 1)), "Ana");
  EXPECT_FALSE(s.Open(sealed, RowPlace("records", "rk2", "person", 1)).ok());
  EXPECT_FALSE(s.Open(sealed, RowPlace("records", "rk1", "officer", 1)).ok());
  EXPECT_FALSE(s.Open(sealed, RowPlace("record_changes", "rk1", "person", 1)).ok());
  EXPECT_FALSE(s.Open(sealed, RowPlace("records", "rk1", "person", 2)).ok());
  // Length prefixes: shifting a byte between fields is another place.
  EXPECT_NE(RowPlace("ab", "c", "d", 1), RowPlace("a", "bc", "d", 1));
}

TEST(DataKeyTest, APassphraseKeyDependsOnPassphraseAndSalt) {
  const std::string salt(kPassphraseSaltSize, 's');
  // The smallest limits libsodium allows keep the test quick.
  const uint64_t ops = 1, mem = 8192;
  auto k1 = KeyFromPassphrase("correct horse battery", salt, ops, mem);
  auto k2 = KeyFromPassphrase("correct horse battery", salt, ops, mem);
  auto k3 = KeyFromPassphrase("correct horse batterz", salt, ops, mem);
  auto k4 = KeyFromPassphrase("correct horse battery", std::string(16, 't'), ops, mem);
  ASSERT_TRUE(k1.ok() && k2.ok() && k3.ok() && k4.ok()) << k1.status();
  const std::string sealed = (*k1)->Seal("x", "ad");
  EXPECT_TRUE((*k2)->Open(sealed, "ad").ok());
  EXPECT_FALSE((*k3)->Open(sealed, "ad").ok());
  EXPECT_FALSE((*k4)->Open(sealed, "ad").ok());
  EXPECT_TRUE(absl::IsInvalidArgument(KeyFromPassphrase("p", "short", ops, mem).status()));
}

TEST(SealedFileTest, RefusesTamperedTruncatedRenamedAndForeignFiles) {
  auto key = SealingKey::Generate();
  const std::string sealed = SealFile(*key, "tls.key", "-----BEGIN PRIVATE KEY-----");
  EXPECT_TRUE(IsSealedFile(sealed));
  EXPECT_EQ(*OpenSealedFile(*key, "tls.key", sealed), "-----BEGIN PRIVATE KEY-----");
  EXPECT_TRUE(absl::IsDataLoss(OpenSealedFile(*key, "identity.key", sealed).status()));
  EXPECT_TRUE(
      absl::IsDataLoss(OpenSealedFile(*SealingKey::Generate(), "tls.key", sealed).status()));
  std::string flipped = sealed;
  flipped[sealed.size() / 2 + 10] ^= 2;
  EXPECT_TRUE(absl::IsDataLoss(OpenSealedFile(*key, "tls.key", flipped).status()));
  EXPECT_TRUE(absl::IsDataLoss(
      OpenSealedFile(*key, "tls.key", sealed.substr(0, sealed.size() - 6)).status()));
  EXPECT_TRUE(absl::IsDataLoss(OpenSealedFile(*key, "tls.key", "PRIVATE+KEY+x").status()));
}

}  // namespace
}  // namespace fedlink::crypto
