// The key-source flags every command that opens a node takes (--key-file,
// --passphrase-file, --passphrase-fd, --credential; node/config/key_source.h),
// and the terminal prompt for a passphrase.
#ifndef FEDLINK_NODE_CLI_KEY_SOURCE_FLAGS_H_
#define FEDLINK_NODE_CLI_KEY_SOURCE_FLAGS_H_

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "node/config/key_source.h"

ABSL_DECLARE_FLAG(std::string, key_file);
ABSL_DECLARE_FLAG(std::string, passphrase_file);
ABSL_DECLARE_FLAG(int, passphrase_fd);
ABSL_DECLARE_FLAG(std::string, credential);

namespace fedlink::cli {

// The source the flags name (at most one), or kRecorded if none; a
// passphrase may then be asked on the terminal, if there is one. For
// `fedlink init` with no flag in a terminal: a passphrase asked there.
absl::StatusOr<config::KeySource> KeySourceFromFlags(bool for_init = false);

// Reads one line (at most 4096 bytes) from the terminal `tty` with echo off,
// after writing `prompt` there (passphrases, console passwords).
absl::StatusOr<std::string> ReadHidden(int tty, const char* prompt);

}  // namespace fedlink::cli

#endif  // FEDLINK_NODE_CLI_KEY_SOURCE_FLAGS_H_
