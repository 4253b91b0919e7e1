#include "node/tls/tls_identity.h"

#include <sys/stat.h>

#include <filesystem>

#include "gtest/gtest.h"

namespace fedlink::tls {
namespace {

TEST(TlsIdentityTest, GeneratesDistinctCertificatesWithStableFingerprints) {
  auto a = GenerateSelfSigned("police-1");
  auto b = GenerateSelfSigned("police-1");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->cert_pem.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_NE(a->key_pem.find("PRIVATE KEY"), std::string::npos);
  auto fa = Fingerprint(a->cert_pem), fa2 = Fingerprint(a->cert_pem), fb = Fingerprint(b->cert_pem);
  ASSERT_TRUE(fa.ok() && fb.ok());
  EXPECT_EQ(fa->size(), 64u);
  EXPECT_EQ(*fa, *fa2);
  EXPECT_NE(*fa, *fb);
  EXPECT_FALSE(Fingerprint("not a certificate").ok());
}

TEST(TlsIdentityTest, SavesKey0600AndRefusesLooseModes) {
  auto dir = std::filesystem::path(::testing::TempDir()) / "tlsid";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto id = GenerateSelfSigned("n");
  ASSERT_TRUE(Save(*id, dir.string()).ok());
  struct stat st;
  ASSERT_EQ(stat((dir / "tls.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = Load(dir.string());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->cert_pem, id->cert_pem);
  EXPECT_TRUE(absl::IsAlreadyExists(Save(*id, dir.string())));
  chmod((dir / "tls.key").c_str(), 0644);
  EXPECT_TRUE(absl::IsPermissionDenied(Load(dir.string()).status()));
}

}  // namespace
}  // namespace fedlink::tls
