#include "node/cli/key_source_flags.h"

#include <fcntl.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, key_file, "",
          "Key-encryption key file (one line of base64, 32 bytes; 0600), on another volume than "
          "the node directory; `init` creates it if missing.");
ABSL_FLAG(std::string, passphrase_file, "",
          "File whose first line is the passphrase wrapping the node's data key (0600).");
ABSL_FLAG(int, passphrase_fd, -1,
          "Read the passphrase wrapping the node's data key from this open file descriptor.");
ABSL_FLAG(std::string, credential, "",
          "systemd credential name: the key file is read from $CREDENTIALS_DIRECTORY/NAME "
          "(LoadCredentialEncrypted=).");

namespace fedlink::cli {
namespace {

// data.key records a key file's path: relative to nothing but itself.
std::string Absolute(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

absl::StatusOr<std::string> AskPassphrase(bool confirm) {
  const int tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (tty < 0) return absl::FailedPreconditionError("passphrase: no terminal to ask");
  auto first = ReadHidden(tty, confirm ? "New passphrase for the node's data key: "
                                       : "Passphrase for the node's data key: ");
  if (first.ok() && confirm) {
    auto again = ReadHidden(tty, "Again: ");
    const bool same = again.ok() && *again == *first;
    if (again.ok()) sodium_memzero(again->data(), again->size());
    if (!same) {
      sodium_memzero(first->data(), first->size());
      close(tty);
      return absl::InvalidArgumentError("passphrase: the two entries differ");
    }
  }
  close(tty);
  return first;
}

}  // namespace

absl::StatusOr<std::string> ReadHidden(int tty, const char* prompt) {
  if (write(tty, prompt, strlen(prompt)) < 0) return absl::InternalError("terminal: write failed");
  termios old{};
  const bool restore = tcgetattr(tty, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(tty, TCSAFLUSH, &quiet);
  }
  std::string line;
  char c = 0;
  while (line.size() < 4096 && read(tty, &c, 1) == 1 && c != '\n') line.push_back(c);
  if (restore) tcsetattr(tty, TCSAFLUSH, &old);
  if (write(tty, "\n", 1) < 0) {
  }
  return line;
}

absl::StatusOr<config::KeySource> KeySourceFromFlags(bool for_init) {
  config::KeySource source;
  int given = 0;
  if (const std::string p = absl::GetFlag(FLAGS_key_file); !p.empty()) {
    source.kind = config::KeySource::Kind::kKeyFile;
    source.path = Absolute(p);
    ++given;
  }
  if (const std::string p = absl::GetFlag(FLAGS_passphrase_file); !p.empty()) {
    source.kind = config::KeySource::Kind::kPassphraseFile;
    source.path = Absolute(p);
    ++given;
  }
  if (const int fd = absl::GetFlag(FLAGS_passphrase_fd); fd >= 0) {
    source.kind = config::KeySource::Kind::kPassphraseFd;
    source.fd = fd;
    ++given;
  }
  if (const std::string c = absl::GetFlag(FLAGS_credential); !c.empty()) {
    source.kind = config::KeySource::Kind::kCredential;
    source.credential = c;
    ++given;
  }
  if (given > 1) {
    return absl::InvalidArgumentError(
        "give one key source: --key-file, --passphrase-file, --passphrase-fd or --credential");
  }
  const bool terminal = isatty(STDIN_FILENO) == 1;
  if (terminal) source.ask_passphrase = AskPassphrase;
  if (for_init && given == 0 && terminal) {
    source.kind = config::KeySource::Kind::kPassphraseTerminal;
  }
  return source;
}

}  // namespace fedlink::cli
