#include "node/tls/tls_identity.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "crypto/sealed_file.h"
#include "node/common/node_paths.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"

namespace fedlink::tls {
namespace {
// The name a sealed tls.key is bound to (crypto/sealed_file.h).
constexpr char kKeyFileName[] = "tls.key";

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <typename T>
using Ptr = std::unique_ptr<T, Free>;

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

absl::Status AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  Ptr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return absl::InternalError("cannot add certificate extension");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TlsIdentity> GenerateSelfSigned(int days) {
  return GenerateSelfSignedNamed(kCertificateName, days);
}

absl::StatusOr<TlsIdentity> GenerateSelfSignedNamed(absl::string_view name_text, int days) {
  Ptr<EVP_PKEY_CTX> kctx(EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr));
  EVP_PKEY* raw_key = nullptr;
  if (!kctx || EVP_PKEY_keygen_init(kctx.get()) != 1 ||
      EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kctx.get(), NID_X9_62_prime256v1) != 1 ||
      EVP_PKEY_keygen(kctx.get(), &raw_key) != 1) {
    return absl::InternalError("TLS key generation failed");
  }
  Ptr<EVP_PKEY> key(raw_key);
  Ptr<X509> cert(X509_new());
  if (!cert) return absl::InternalError("out of memory");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  std::ifstream("/dev/urandom", std::ios::binary).read(reinterpret_cast<char*>(serial), 16);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400);
  X509_set_pubkey(cert.get(), key.get());
  // One name, the CN and the DNS SAN; nothing else (no organisation).
  const std::string cn(name_text);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_alt_name, absl::StrCat("DNS:", cn)));
  RETURN_IF_ERROR(AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  RETURN_IF_ERROR(AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature"));
  RETURN_IF_ERROR(AddExtension(cert.get(), NID_ext_key_usage, "serverAuth,clientAuth"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return absl::InternalError("certificate signing failed");
  }
  Ptr<BIO> key_bio(BIO_new(BIO_s_mem())), cert_bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1 ||
      PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1) {
    return absl::InternalError("PEM encoding failed");
  }
  return TlsIdentity{BioToString(key_bio.get()), BioToString(cert_bio.get())};
}

absl::StatusOr<std::string> Fingerprint(absl::string_view cert_pem) {
  Ptr<BIO> bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  Ptr<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return absl::InvalidArgumentError("not a PEM X.509 certificate");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert.get(), EVP_sha256(), digest, &len) != 1) {
    return absl::InternalError("certificate digest failed");
  }
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), len));
}

absl::Status Save(const TlsIdentity& identity, const std::string& dir,
                  const crypto::SealingKey* key_file_key) {
  const std::string key_path = common::NodePaths(dir).tls_key();
  int fd = open(key_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return absl::AlreadyExistsError(absl::StrCat(key_path, ": cannot create"));
  std::string text = key_file_key != nullptr
                         ? crypto::SealFile(*key_file_key, kKeyFileName, identity.key_pem)
                         : identity.key_pem;
  const ssize_t n = write(fd, text.data(), text.size());
  fsync(fd);
  close(fd);
  if (n != static_cast<ssize_t>(text.size())) {
    return absl::InternalError(absl::StrCat(key_path, ": write failed"));
  }
  const std::string cert_path = common::NodePaths(dir).tls_cert();
  return common::WriteFileAtomically(cert_path, identity.cert_pem, 0600);
}

absl::StatusOr<TlsIdentity> Load(const std::string& dir, const crypto::SealingKey* key_file_key) {
  const common::NodePaths paths(dir);
  const std::string key_path = paths.tls_key(), cert_path = paths.tls_cert();
  struct stat st;
  if (stat(key_path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(key_path, ": missing TLS key"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "%s: key file mode %04o is too open (must be 0600)", key_path, st.st_mode & 0777));
  }
  TlsIdentity id;
  auto key_pem = common::ReadWholeFile(key_path, common::kMaxSmallFileBytes);
  if (!key_pem.ok()) return absl::NotFoundError(absl::StrCat(key_path, ": unreadable"));
  id.key_pem = *std::move(key_pem);
  if (key_file_key != nullptr || crypto::IsSealedFile(id.key_pem)) {
    if (key_file_key == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat(key_path, ": sealed under the node's data key; give its key source"));
    }
    auto opened = crypto::OpenSealedFile(*key_file_key, kKeyFileName, id.key_pem);
    if (!opened.ok()) {
      return absl::DataLossError(absl::StrCat(key_path, ": ", opened.status().message()));
    }
    id.key_pem = *std::move(opened);
  }
  auto cert_pem = common::ReadWholeFile(cert_path, common::kMaxSmallFileBytes);
  if (!cert_pem.ok()) {
    return absl::NotFoundError(absl::StrCat(cert_path, ": missing TLS certificate"));
  }
  id.cert_pem = *std::move(cert_pem);
  if (auto fp = Fingerprint(id.cert_pem); !fp.ok()) {
    return absl::DataLossError(absl::StrCat(cert_path, ": ", fp.status().message()));
  }
  return id;
}

absl::StatusOr<std::string> LoadCertificate(const std::string& dir) {
  const std::string cert_path = common::NodePaths(dir).tls_cert();
  auto cert_pem = common::ReadWholeFile(cert_path, common::kMaxSmallFileBytes);
  if (!cert_pem.ok()) {
    return absl::NotFoundError(absl::StrCat(cert_path, ": missing TLS certificate"));
  }
  if (auto fp = Fingerprint(*cert_pem); !fp.ok()) {
    return absl::DataLossError(absl::StrCat(cert_path, ": ", fp.status().message()));
  }
  return cert_pem;
}

}  // namespace fedlink::tls
