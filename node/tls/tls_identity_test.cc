#include "node/tls/tls_identity.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::tls {
namespace {

// What a certificate says about its holder to anyone who connects: subject
// and issuer (RFC 2253) and every subject alternative name.
struct Names {
  std::string subject, issuer;
  std::vector<std::string> alt_names;
};

std::string NameText(const X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

Names NamesOf(const std::string& cert_pem) {
  Names names;
  BIO* bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr) return names;
  names.subject = NameText(X509_get_subject_name(cert));
  names.issuer = NameText(X509_get_issuer_name(cert));
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* san = sk_GENERAL_NAME_value(sans, i);
    if (san->type == GEN_DNS) {
      const ASN1_STRING* dns = san->d.dNSName;
      names.alt_names.push_back(
          "DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                               static_cast<size_t>(ASN1_STRING_length(dns))));
    } else {
      names.alt_names.push_back("other");
    }
  }
  GENERAL_NAMES_free(sans);
  X509_free(cert);
  return names;
}

TEST(TlsIdentityTest, CertificatesAreNeutralTheSameNameForEveryNode) {
  auto id = GenerateSelfSigned();
  ASSERT_TRUE(id.ok()) << id.status();
  const Names names = NamesOf(id->cert_pem);
  EXPECT_EQ(names.subject, "CN=fedlink-node");
  EXPECT_EQ(names.issuer, "CN=fedlink-node");
  EXPECT_THAT(names.alt_names, ::testing::ElementsAre("DNS:fedlink-node"));
  // The name fedlink used before (the node id) is still readable, for the
  // test that such nodes keep working.
  auto named = GenerateSelfSignedNamed("police-1");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(NamesOf(named->cert_pem).subject, "CN=police-1");
}

TEST(TlsIdentityTest, GeneratesDistinctCertificatesWithStableFingerprints) {
  auto a = GenerateSelfSigned();
  auto b = GenerateSelfSigned();
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
  auto id = GenerateSelfSigned();
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
