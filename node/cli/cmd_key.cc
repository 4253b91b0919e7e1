// fedlink key rewrap: wrap the node's data key under a new key-encryption
// key; fedlink key rotate: re-encrypt the node under a new data key
// (node/app/key_rotation.h).
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "absl/flags/flag.h"
#include "node/app/key_rotation.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/key_source_flags.h"

ABSL_FLAG(std::string, new_key_file, "",
          "key rewrap: the new key file (created if missing; on another volume).");
ABSL_FLAG(std::string, new_passphrase_file, "",
          "key rewrap: file whose first line is the new passphrase (0600).");
ABSL_FLAG(int, new_passphrase_fd, -1, "key rewrap: read the new passphrase from this descriptor.");
ABSL_FLAG(std::string, new_credential, "", "key rewrap: the new systemd credential's name.");

namespace fedlink::cli {
namespace {

absl::StatusOr<config::KeySource> NewKeySourceFromFlags() {
  config::KeySource source;
  int given = 0;
  std::error_code ec;
  if (const std::string p = absl::GetFlag(FLAGS_new_key_file); !p.empty()) {
    source.kind = config::KeySource::Kind::kKeyFile;
    source.path = std::filesystem::absolute(p, ec).lexically_normal().string();
    ++given;
  }
  if (const std::string p = absl::GetFlag(FLAGS_new_passphrase_file); !p.empty()) {
    source.kind = config::KeySource::Kind::kPassphraseFile;
    source.path = std::filesystem::absolute(p, ec).lexically_normal().string();
    ++given;
  }
  if (const int fd = absl::GetFlag(FLAGS_new_passphrase_fd); fd >= 0) {
    source.kind = config::KeySource::Kind::kPassphraseFd;
    source.fd = fd;
    ++given;
  }
  if (const std::string c = absl::GetFlag(FLAGS_new_credential); !c.empty()) {
    source.kind = config::KeySource::Kind::kCredential;
    source.credential = c;
    ++given;
  }
  if (given != 1) {
    return absl::InvalidArgumentError(
        "give one new key source: --new-key-file, --new-passphrase-file, --new-passphrase-fd or "
        "--new-credential");
  }
  return source;
}

int RunKeyRewrap() {
  auto next = NewKeySourceFromFlags();
  if (!next.ok()) return ReportError("key", next.status());
  return WithNodeInDir("key", [&](app::Node& node) {
    if (auto s = app::RewrapNodeKey(node, *next); !s.ok()) return ReportError("key", s);
    std::cout << "the data key of " << node.id() << " is now wrapped by the "
              << config::DescribeKeySource(*next) << "; the old key no longer opens it\n";
    return kExitOk;
  });
}

int RunKeyRotate() {
  if (absl::GetFlag(FLAGS_new_key_file) != "" || absl::GetFlag(FLAGS_new_passphrase_file) != "" ||
      absl::GetFlag(FLAGS_new_passphrase_fd) >= 0 || absl::GetFlag(FLAGS_new_credential) != "") {
    return ReportError("key", absl::InvalidArgumentError(
                                  "key rotate keeps the key-encryption key; change it with key "
                                  "rewrap (before or after)"));
  }
  return WithNodeInDir("key", {.rotate_data_key = true}, [&](app::Node& node) {
    auto report = app::RotateDataKey(
        node, [](absl::string_view line) { std::cerr << "key rotate: " << line << "\n"; });
    if (!report.ok()) return ReportError("key", report.status());
    std::cout << "the records of " << node.id() << " (" << report->records
              << ") and every other sealed value are now sealed under a new data key; the old "
                 "one opens nothing here\n";
    return kExitOk;
  });
}

int RunKey(const std::vector<std::string>& args) {
  if (args.size() == 1 && args[0] == "rewrap") return RunKeyRewrap();
  if (args.size() == 1 && args[0] == "rotate") return RunKeyRotate();
  return ReportError("key", absl::InvalidArgumentError("expected: key rewrap | key rotate"));
}

FEDLINK_COMMAND(
    "key",
    "  fedlink key rewrap --dir DIR [current key source]\n"
    "      (--new-key-file PATH | --new-passphrase-file PATH | --new-passphrase-fd N |\n"
    "       --new-credential NAME)\n\n"
    "Wraps the node's data key under a new key-encryption key (a passphrase change,\n"
    "a new key file); no record is re-encrypted.\n\n"
    "  fedlink key rotate --dir DIR [current key source]\n\n"
    "Re-encrypts every sealed value of a stopped node under a new data key (wrapped\n"
    "by the same key-encryption key); progress on stderr. docs/security.md, \"Data at rest\".",
    "rotate the node's data key or the key-encryption key that wraps it",
    {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "new_key_file",
     "new_passphrase_file", "new_passphrase_fd", "new_credential"},
    RunKey);

}  // namespace
}  // namespace fedlink::cli
