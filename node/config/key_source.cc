#include "node/config/key_source.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/config/data_key_rotation.h"

namespace fedlink::config {
namespace {

constexpr char kHeader[] = "fedlink data key v1";
constexpr size_t kMaxSecretFileBytes = 4096;
constexpr size_t kMinPassphraseChars = 12;

// A string that wipes itself.
struct Secret {
  std::string value;
  ~Secret() { sodium_memzero(value.data(), value.size()); }
};

std::string DataKeyPath(const common::NodePaths& paths) { return paths.dir + "/data.key"; }

// Reads a small secret file: a regular file, not a link, with no access for
// group or others (0600 or 0400), else refused naming `what` and the fix.
absl::Status ReadSecretFile(const std::string& path, absl::string_view what, bool check_owner,
                            Secret* out) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(what, ": missing"));
    return absl::PermissionDeniedError(absl::StrCat(what, ": cannot open"));
  }
  struct stat st;
  absl::Status status;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    status = absl::PermissionDeniedError(absl::StrCat(what, ": not a regular file"));
  } else if ((st.st_mode & 077) != 0) {
    status = absl::PermissionDeniedError(
        absl::StrFormat("%s: mode %04o is too open (must be 0600 or 0400; run chmod 600 %s)", what,
                        st.st_mode & 0777, path));
  } else if (check_owner && st.st_uid != geteuid()) {
    status = absl::PermissionDeniedError(absl::StrCat(what, ": owned by another user"));
  } else if (static_cast<size_t>(st.st_size) > kMaxSecretFileBytes) {
    status = absl::DataLossError(absl::StrCat(what, ": too large"));
  } else {
    out->value.assign(static_cast<size_t>(st.st_size), '\0');
    if (read(fd, out->value.data(), out->value.size()) != st.st_size) {
      status = absl::DataLossError(absl::StrCat(what, ": short read"));
    }
  }
  close(fd);
  return status;
}

// A key file's text: base64 of 32 bytes on one line.
absl::StatusOr<std::unique_ptr<crypto::SealingKey>> ParseKeyText(absl::string_view text,
                                                                 absl::string_view what) {
  Secret raw;
  if (!absl::Base64Unescape(absl::StripAsciiWhitespace(text), &raw.value) ||
      raw.value.size() != crypto::kSealingKeySize) {
    return absl::DataLossError(
        absl::StrCat(what, ": not a fedlink key (one line of base64, 32 bytes)"));
  }
  return crypto::SealingKey::FromBytes(raw.value);
}

absl::StatusOr<std::string> CredentialPath(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    return absl::InvalidArgumentError("--credential: a name, not a path");
  }
  const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
  if (dir == nullptr || *dir == '\0') {
    return absl::FailedPreconditionError(absl::StrCat(
        "systemd credential ", name,
        ": $CREDENTIALS_DIRECTORY is not set (run under systemd with LoadCredentialEncrypted=",
        name, ":...)"));
  }
  return absl::StrCat(dir, "/", name);
}

absl::StatusOr<std::unique_ptr<crypto::SealingKey>> KeyFromFileOrCredential(
    const KeySource& source) {
  const std::string what = DescribeKeySource(source);
  std::string path = source.path;
  if (source.kind == KeySource::Kind::kCredential) {
    ASSIGN_OR_RETURN(path, CredentialPath(source.credential));
  }
  Secret text;
  RETURN_IF_ERROR(ReadSecretFile(path, what, source.kind == KeySource::Kind::kKeyFile, &text));
  return ParseKeyText(text.value, what);
}

absl::Status ReadPassphrase(const KeySource& source, bool confirm, Secret* out) {
  const std::string what = DescribeKeySource(source);
  switch (source.kind) {
    case KeySource::Kind::kPassphraseFile:
      RETURN_IF_ERROR(ReadSecretFile(source.path, what, /*check_owner=*/true, out));
      break;
    case KeySource::Kind::kPassphraseFd: {
      if (source.fd < 0) return absl::InvalidArgumentError("--passphrase-fd: not a descriptor");
      char buf[512];
      while (out->value.size() < kMaxSecretFileBytes) {
        const ssize_t n = read(source.fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return absl::FailedPreconditionError(absl::StrCat(what, ": cannot read"));
        if (n == 0) break;
        out->value.append(buf, static_cast<size_t>(n));
        if (out->value.find('\n') != std::string::npos) break;
      }
      sodium_memzero(buf, sizeof buf);
      break;
    }
    case KeySource::Kind::kPassphraseTerminal:
    case KeySource::Kind::kRecorded: {
      if (!source.ask_passphrase) {
        return absl::FailedPreconditionError(
            "passphrase: no terminal to ask; give --passphrase-file or --passphrase-fd");
      }
      ASSIGN_OR_RETURN(out->value, source.ask_passphrase(confirm));
      break;
    }
    default:
      return absl::InternalError("not a passphrase source");
  }
  // The first line is the passphrase.
  const size_t eol = out->value.find('\n');
  if (eol != std::string::npos) {
    sodium_memzero(out->value.data() + eol, out->value.size() - eol);
    out->value.resize(eol);
  }
  if (!out->value.empty() && out->value.back() == '\r') out->value.pop_back();
  if (out->value.empty()) return absl::InvalidArgumentError(absl::StrCat(what, ": empty"));
  return absl::OkStatus();
}

// The parsed data.key.
struct WrappedKey {
  std::string node_id;
  std::string kind;   // key-file, credential, passphrase
  std::string where;  // the key file's path or the credential's name
  uint64_t opslimit = 0, memlimit = 0;
  std::string salt;
  std::string associated_data;  // the first three lines
  std::string wrapped;
};

absl::StatusOr<WrappedKey> ParseWrappedKey(const std::string& path, absl::string_view text) {
  const auto corrupt = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat(path, ": corrupt data key file (", why, ")"));
  };
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (lines.size() != 5 || !lines[4].empty()) return corrupt("expected four lines");
  if (lines[0] != kHeader) return corrupt("not a fedlink data key v1");
  WrappedKey w;
  absl::string_view node = lines[1], source = lines[2], wrapped = lines[3];
  if (!absl::ConsumePrefix(&node, "node ") || node.empty()) return corrupt("line 2: node");
  w.node_id = std::string(node);
  if (!absl::ConsumePrefix(&source, "source ")) return corrupt("line 3: source");
  if (absl::ConsumePrefix(&source, "key-file ")) {
    w.kind = "key-file";
    w.where = std::string(source);
  } else if (absl::ConsumePrefix(&source, "credential ")) {
    w.kind = "credential";
    w.where = std::string(source);
  } else if (absl::ConsumePrefix(&source, "passphrase argon2id13 ")) {
    w.kind = "passphrase";
    std::vector<absl::string_view> f = absl::StrSplit(source, ' ');
    if (f.size() != 3 || !absl::SimpleAtoi(f[0], &w.opslimit) ||
        !absl::SimpleAtoi(f[1], &w.memlimit) || !absl::Base64Unescape(f[2], &w.salt) ||
        w.salt.size() != crypto::kPassphraseSaltSize) {
      return corrupt("line 3: passphrase parameters");
    }
  } else {
    return corrupt("line 3: unknown source");
  }
  if (w.where.empty() && w.kind != "passphrase") return corrupt("line 3: empty source");
  if (!absl::ConsumePrefix(&wrapped, "wrapped ") || !absl::Base64Unescape(wrapped, &w.wrapped)) {
    return corrupt("line 4: wrapped key");
  }
  w.associated_data = absl::StrCat(lines[0], "\n", lines[1], "\n", lines[2], "\n");
  return w;
}

}  // namespace

std::string DescribeKeySource(const KeySource& source) {
  switch (source.kind) {
    case KeySource::Kind::kKeyFile:
      return absl::StrCat("key file ", source.path);
    case KeySource::Kind::kPassphraseFile:
      return absl::StrCat("passphrase file ", source.path);
    case KeySource::Kind::kPassphraseFd:
      return absl::StrCat("passphrase from descriptor ", source.fd);
    case KeySource::Kind::kPassphraseTerminal:
      return "passphrase from the terminal";
    case KeySource::Kind::kCredential:
      return absl::StrCat("systemd credential ", source.credential);
    case KeySource::Kind::kRecorded:
      return "the key source data.key names";
  }
  return "key source";
}

bool HasDataKey(const common::NodePaths& paths) {
  struct stat st;
  return lstat(DataKeyPath(paths).c_str(), &st) == 0;
}

absl::Status WriteNewKeyFile(const std::string& path) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return absl::AlreadyExistsError(absl::StrCat(path, ": already exists"));
    return absl::PermissionDeniedError(absl::StrCat("key file ", path, ": cannot create"));
  }
  fchmod(fd, 0600);
  Secret raw, text;
  raw.value.assign(crypto::kSealingKeySize, '\0');
  randombytes_buf(raw.value.data(), raw.value.size());
  text.value = absl::StrCat(absl::Base64Escape(raw.value), "\n");
  const bool ok =
      write(fd, text.value.data(), text.value.size()) == static_cast<ssize_t>(text.value.size()) &&
      fsync(fd) == 0;
  close(fd);
  if (!ok) {
    unlink(path.c_str());
    return absl::InternalError(absl::StrCat("key file ", path, ": write failed"));
  }
  return absl::OkStatus();
}

namespace {

// The KEK from `source` for a new wrapping, and the source line data.key
// records for it.
absl::Status NewWrappingKey(const KeySource& source, std::unique_ptr<crypto::SealingKey>* kek,
                            std::string* source_line) {
  switch (source.kind) {
    case KeySource::Kind::kRecorded:
      return absl::InvalidArgumentError(
          "a new node needs a key source: --key-file PATH, --passphrase-file PATH, "
          "--passphrase-fd N or --credential NAME (or a terminal to ask for a passphrase)");
    case KeySource::Kind::kKeyFile: {
      if (source.path.empty() || source.path[0] != '/') {
        return absl::InvalidArgumentError("--key-file: an absolute path");
      }
      struct stat st;
      if (lstat(source.path.c_str(), &st) != 0) RETURN_IF_ERROR(WriteNewKeyFile(source.path));
      ASSIGN_OR_RETURN(*kek, KeyFromFileOrCredential(source));
      *source_line = absl::StrCat("source key-file ", source.path);
      break;
    }
    case KeySource::Kind::kCredential: {
      ASSIGN_OR_RETURN(*kek, KeyFromFileOrCredential(source));
      *source_line = absl::StrCat("source credential ", source.credential);
      break;
    }
    default: {
      Secret passphrase;
      RETURN_IF_ERROR(ReadPassphrase(source, /*confirm=*/true, &passphrase));
      if (passphrase.value.size() < kMinPassphraseChars) {
        return absl::InvalidArgumentError(absl::StrCat(DescribeKeySource(source),
                                                       ": a passphrase needs at least ",
                                                       kMinPassphraseChars, " characters"));
      }
      std::string salt(crypto::kPassphraseSaltSize, '\0');
      randombytes_buf(salt.data(), salt.size());
      const uint64_t ops = crypto::DefaultPassphraseOpsLimit();
      const uint64_t mem = crypto::DefaultPassphraseMemLimit();
      ASSIGN_OR_RETURN(*kek, crypto::KeyFromPassphrase(passphrase.value, salt, ops, mem));
      *source_line = absl::StrCat("source passphrase argon2id13 ", ops, " ", mem, " ",
                                  absl::Base64Escape(salt));
      break;
    }
  }
  if (source_line->find('\n') != std::string::npos) {
    return absl::InvalidArgumentError("key source: a path or name without line breaks");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> WrappedKeyText(const std::string& node_id, const crypto::DataKey& key,
                                           const KeySource& source) {
  std::unique_ptr<crypto::SealingKey> kek;
  std::string source_line;
  RETURN_IF_ERROR(NewWrappingKey(source, &kek, &source_line));
  const std::string associated_data =
      absl::StrCat(kHeader, "\n", "node ", node_id, "\n", source_line, "\n");
  return absl::StrCat(associated_data, "wrapped ",
                      absl::Base64Escape(key.Wrap(*kek, associated_data)), "\n");
}

}  // namespace

absl::StatusOr<std::unique_ptr<crypto::DataKey>> CreateDataKey(const common::NodePaths& paths,
                                                               const std::string& node_id,
                                                               const KeySource& source) {
  const std::string path = DataKeyPath(paths);
  struct stat st;
  if (lstat(path.c_str(), &st) == 0) {
    return absl::AlreadyExistsError(absl::StrCat(path, ": already exists"));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<crypto::DataKey> key, crypto::DataKey::Generate());
  ASSIGN_OR_RETURN(const std::string text, WrappedKeyText(node_id, *key, source));
  RETURN_IF_ERROR(common::WriteFileAtomically(path, text, 0600));
  return key;
}

absl::Status RewrapDataKey(const common::NodePaths& paths, const std::string& node_id,
                           const crypto::DataKey& key, const KeySource& new_source) {
  if (new_source.kind == KeySource::Kind::kRecorded) {
    return absl::InvalidArgumentError(
        "key rewrap: give the new key source: --new-key-file PATH, --new-passphrase-file PATH "
        "or --new-credential NAME");
  }
  ASSIGN_OR_RETURN(const std::string text, WrappedKeyText(node_id, key, new_source));
  return common::WriteFileAtomically(DataKeyPath(paths), text, 0600);
}

absl::StatusOr<std::unique_ptr<crypto::DataKey>> OpenDataKey(const common::NodePaths& paths,
                                                             const std::string& node_id,
                                                             const KeySource& given) {
  const std::string path = DataKeyPath(paths);
  Secret text;
  RETURN_IF_ERROR(ReadSecretFile(path, path, /*check_owner=*/false, &text));
  return OpenDataKeyText(path, text.value, node_id, given);
}

namespace {

// The data key opened from data.key's text, with the KEK that opened it and
// the parsed file (for wrapping another data key the same way).
struct UnwrappedKey {
  std::unique_ptr<crypto::DataKey> key;
  std::unique_ptr<crypto::SealingKey> kek;
  WrappedKey file;
};

absl::StatusOr<UnwrappedKey> Unwrap(const std::string& path, absl::string_view text,
                                    const std::string& node_id, const KeySource& given) {
  UnwrappedKey out;
  ASSIGN_OR_RETURN(out.file, ParseWrappedKey(path, text));
  const WrappedKey& w = out.file;
  if (!node_id.empty() && w.node_id != node_id) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": the data key of another node, not of this node.conf's"));
  }
  KeySource source = given;
  if (source.kind == KeySource::Kind::kRecorded) {
    if (w.kind == "key-file") {
      source.kind = KeySource::Kind::kKeyFile;
      source.path = w.where;
    } else if (w.kind == "credential") {
      source.kind = KeySource::Kind::kCredential;
      source.credential = w.where;
    } else {
      source.kind = KeySource::Kind::kPassphraseTerminal;
    }
  }
  if (source.passphrase() != (w.kind == "passphrase")) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": the data key is wrapped by a ", w.kind == "passphrase" ? "passphrase" : "key",
        ", not by the ", DescribeKeySource(source), " given"));
  }
  if (source.passphrase()) {
    Secret passphrase;
    RETURN_IF_ERROR(ReadPassphrase(source, /*confirm=*/false, &passphrase));
    ASSIGN_OR_RETURN(out.kek,
                     crypto::KeyFromPassphrase(passphrase.value, w.salt, w.opslimit, w.memlimit));
  } else {
    ASSIGN_OR_RETURN(out.kek, KeyFromFileOrCredential(source));
  }
  auto key = crypto::DataKey::Unwrap(*out.kek, w.wrapped, w.associated_data);
  if (!key.ok()) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": the ", DescribeKeySource(source),
                     " does not open the data key (wrong key or passphrase, or an altered file)"));
  }
  out.key = *std::move(key);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<crypto::DataKey>> OpenDataKeyText(const std::string& path,
                                                                 absl::string_view text,
                                                                 const std::string& node_id,
                                                                 const KeySource& given) {
  ASSIGN_OR_RETURN(UnwrappedKey opened, Unwrap(path, text, node_id, given));
  return std::move(opened.key);
}

absl::StatusOr<DataKeyRotationKeys> PrepareDataKeyRotation(const common::NodePaths& paths,
                                                           const std::string& node_id,
                                                           const KeySource& source) {
  const std::string path = DataKeyPath(paths);
  Secret text;
  RETURN_IF_ERROR(ReadSecretFile(path, path, /*check_owner=*/false, &text));
  ASSIGN_OR_RETURN(UnwrappedKey opened, Unwrap(path, text.value, node_id, source));
  DataKeyRotationKeys out;
  out.current = std::move(opened.key);
  ASSIGN_OR_RETURN(out.next, crypto::DataKey::Generate());
  // The same first three lines (node, source, salt): the same KEK opens it.
  out.next_data_key_text = absl::StrCat(
      opened.file.associated_data, "wrapped ",
      absl::Base64Escape(out.next->Wrap(*opened.kek, opened.file.associated_data)), "\n");
  return out;
}

}  // namespace fedlink::config
