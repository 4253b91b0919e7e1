#include "crypto/identity.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "crypto/base64.h"
#include "crypto/sealed_file.h"
#include "node/common/status_macros.h"

namespace fedlink::crypto {
namespace {

// The last component of a path: the name a sealed file is bound to.
std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

const unsigned char* U(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Reads a whole small file into *out without leaving copies behind.
absl::Status ReadSecretFile(const std::string& path, std::string* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": missing key file"));
    return absl::PermissionDeniedError(absl::StrCat(path, ": cannot open key file"));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return absl::PermissionDeniedError(absl::StrCat(path, ": not a regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    close(fd);
    return absl::PermissionDeniedError(
        absl::StrFormat("%s: key file mode %04o is too open (must be 0600; run chmod 600 %s)", path,
                        st.st_mode & 0777, path));
  }
  if (st.st_size > 4096) {
    close(fd);
    return absl::DataLossError(absl::StrCat(path, ": key file too large"));
  }
  out->assign(static_cast<size_t>(st.st_size), '\0');
  ssize_t n = read(fd, out->data(), out->size());
  close(fd);
  if (n != st.st_size) return absl::DataLossError(absl::StrCat(path, ": short read"));
  return absl::OkStatus();
}

bool ParseKeyId(absl::string_view hex, uint32_t* id) {
  if (hex.size() != 8) return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return absl::SimpleHexAtoi(hex, id);
}

}  // namespace

absl::Status ValidateKeyName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("key name is empty");
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '+') {
      return absl::InvalidArgumentError("key name must be printable ASCII without spaces or '+'");
    }
  }
  return absl::OkStatus();
}

uint32_t Ed25519KeyId(absl::string_view name, absl::string_view public_key) {
  std::string input = absl::StrCat(name, "\n");
  input.push_back(static_cast<char>(kSignatureTypeEd25519));
  input.append(public_key.data(), public_key.size());
  unsigned char hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(hash, U(input), input.size());
  return (uint32_t{hash[0]} << 24) | (uint32_t{hash[1]} << 16) | (uint32_t{hash[2]} << 8) |
         uint32_t{hash[3]};
}

SigningKey::~SigningKey() { sodium_memzero(secret_.data(), secret_.size()); }

absl::StatusOr<std::unique_ptr<SigningKey>> SigningKey::FromSeed(absl::string_view name,
                                                                 absl::string_view seed) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  RETURN_IF_ERROR(ValidateKeyName(name));
  if (seed.size() != crypto_sign_SEEDBYTES) {
    return absl::InvalidArgumentError("Ed25519 seed must be 32 bytes");
  }
  std::unique_ptr<SigningKey> key(new SigningKey());
  key->name_ = std::string(name);
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_seed_keypair(pk, key->secret_.data(), U(seed));
  key->key_id_ = Ed25519KeyId(name, key->public_key());
  return key;
}

absl::StatusOr<std::unique_ptr<SigningKey>> SigningKey::Generate(absl::string_view name) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  std::string seed(crypto_sign_SEEDBYTES, '\0');
  randombytes_buf(seed.data(), seed.size());
  auto key = FromSeed(name, seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

absl::StatusOr<std::unique_ptr<SigningKey>> SigningKey::Parse(absl::string_view text) {
  absl::string_view line = absl::StripSuffix(text, "\n");
  if (!absl::ConsumePrefix(&line, "PRIVATE+KEY+")) {
    return absl::DataLossError("not a fedlink/C2SP private key (expected PRIVATE+KEY+...)");
  }
  std::vector<absl::string_view> parts = absl::StrSplit(line, absl::MaxSplits('+', 2));
  if (parts.size() != 3) return absl::DataLossError("malformed private key");
  uint32_t id = 0;
  if (!ParseKeyId(parts[1], &id)) return absl::DataLossError("malformed key id");
  std::string decoded;
  if (!StrictBase64Decode(parts[2], &decoded) || decoded.size() != 33 ||
      static_cast<uint8_t>(decoded[0]) != kSignatureTypeEd25519) {
    sodium_memzero(decoded.data(), decoded.size());
    return absl::DataLossError("malformed Ed25519 key material");
  }
  auto key = FromSeed(parts[0], absl::string_view(decoded).substr(1));
  sodium_memzero(decoded.data(), decoded.size());
  if (!key.ok()) return absl::DataLossError(key.status().message());
  if ((*key)->key_id() != id) {
    return absl::DataLossError("key id does not match the key (corrupt key file)");
  }
  return key;
}

absl::StatusOr<std::unique_ptr<SigningKey>> SigningKey::LoadFromFile(const std::string& path,
                                                                     const SealingKey* file_key) {
  std::string text;
  RETURN_IF_ERROR(ReadSecretFile(path, &text));
  if (file_key != nullptr || IsSealedFile(text)) {
    if (file_key == nullptr) {
      sodium_memzero(text.data(), text.size());
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": sealed under the node's data key; give its key source"));
    }
    auto opened = OpenSealedFile(*file_key, BaseName(path), text);
    sodium_memzero(text.data(), text.size());
    if (!opened.ok())
      return absl::DataLossError(absl::StrCat(path, ": ", opened.status().message()));
    text = *std::move(opened);
  }
  auto key = Parse(text);
  sodium_memzero(text.data(), text.size());
  if (!key.ok()) return absl::DataLossError(absl::StrCat(path, ": ", key.status().message()));
  return key;
}

absl::Status SigningKey::SaveToFile(const std::string& path, const SealingKey* file_key) const {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(absl::StrCat(path, ": key file already exists"));
    }
    return absl::PermissionDeniedError(absl::StrCat(path, ": cannot create key file"));
  }
  fchmod(fd, 0600);  // in case the umask was stricter than needed, or odd
  std::string material(1, static_cast<char>(kSignatureTypeEd25519));
  material.append(reinterpret_cast<const char*>(secret_.data()), crypto_sign_SEEDBYTES);
  std::string text =
      absl::StrFormat("PRIVATE+KEY+%s+%08x+%s\n", name_, key_id_, absl::Base64Escape(material));
  if (file_key != nullptr) {
    std::string sealed = SealFile(*file_key, BaseName(path), text);
    sodium_memzero(text.data(), text.size());
    text = std::move(sealed);
  }
  const ssize_t n = write(fd, text.data(), text.size());
  const bool synced = fsync(fd) == 0;
  close(fd);
  sodium_memzero(material.data(), material.size());
  sodium_memzero(text.data(), text.size());
  if (n < 0 || !synced) {
    unlink(path.c_str());
    return absl::InternalError(absl::StrCat(path, ": writing the key file failed"));
  }
  return absl::OkStatus();
}

std::string SigningKey::public_key() const {
  return std::string(reinterpret_cast<const char*>(secret_.data()) + crypto_sign_SEEDBYTES,
                     crypto_sign_PUBLICKEYBYTES);
}

std::string SigningKey::VerifierKey() const {
  return Verifier{name_, key_id_, public_key()}.ToString();
}

std::string SigningKey::Sign(absl::string_view message) const {
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr, U(message),
                       message.size(), secret_.data());
  return sig;
}

absl::StatusOr<Verifier> Verifier::Parse(absl::string_view vkey) {
  std::vector<absl::string_view> parts = absl::StrSplit(vkey, absl::MaxSplits('+', 2));
  if (parts.size() != 3) {
    return absl::InvalidArgumentError("verifier key must be name+keyid+base64");
  }
  RETURN_IF_ERROR(ValidateKeyName(parts[0]));
  Verifier v;
  v.name = std::string(parts[0]);
  if (!ParseKeyId(parts[1], &v.key_id)) {
    return absl::InvalidArgumentError("verifier key id must be 8 lower-case hex digits");
  }
  std::string decoded;
  if (!StrictBase64Decode(parts[2], &decoded) || decoded.size() != 33 ||
      static_cast<uint8_t>(decoded[0]) != kSignatureTypeEd25519) {
    return absl::InvalidArgumentError("verifier key is not an Ed25519 (type 0x01) key");
  }
  v.public_key = decoded.substr(1);
  if (Ed25519KeyId(v.name, v.public_key) != v.key_id) {
    return absl::InvalidArgumentError("verifier key id does not match its name and key");
  }
  return v;
}

std::string Verifier::ToString() const {
  std::string material(1, static_cast<char>(kSignatureTypeEd25519));
  material += public_key;
  return absl::StrFormat("%s+%08x+%s", name, key_id, absl::Base64Escape(material));
}

absl::Status Verifier::Verify(absl::string_view message, absl::string_view signature) const {
  return VerifySignature(public_key, message, signature);
}

absl::Status VerifySignature(absl::string_view public_key, absl::string_view message,
                             absl::string_view signature) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES) {
    return absl::InvalidArgumentError("Ed25519 public key must be 32 bytes");
  }
  if (signature.size() != crypto_sign_BYTES) {
    return absl::InvalidArgumentError("Ed25519 signature must be 64 bytes");
  }
  if (crypto_sign_verify_detached(U(signature), U(message), message.size(), U(public_key)) != 0) {
    return absl::UnauthenticatedError("signature does not verify");
  }
  return absl::OkStatus();
}

}  // namespace fedlink::crypto
