// The `fedlink` command registry. Each command lives in its own file
// (node/cli/cmd_<name>.cc, compiled into the fedlink executable) and
// registers itself with FEDLINK_COMMAND. main.cc dispatches on the first
// word, checks that only the command's own flags were given, prints
// per-command --help, then parses flags with Abseil.
//
// Flags are Abseil flags. Flags used by more than one command are defined in
// node/cli/flags.{h,cc}; a flag used by one command only is defined in that
// command's file.
//
// Exit codes: 0 success; 1 runtime failure (I/O, peer unreachable, ...);
// 2 bad input or usage (malformed file, unknown flag, missing argument).
#ifndef FEDLINK_NODE_CLI_COMMAND_H_
#define FEDLINK_NODE_CLI_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace fedlink::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct Command {
  absl::string_view name;                // first word: "init", "records", "oprf"
  absl::string_view usage;               // usage lines shown by --help
  absl::string_view summary;             // one line for `fedlink help`
  std::vector<absl::string_view> flags;  // Abseil flag names it accepts
  // Runs with the positional arguments after the command word.
  int (*run)(const std::vector<std::string>& args);
};

void RegisterCommand(Command command);
const std::vector<Command>& Commands();

struct CommandRegistrar {
  explicit CommandRegistrar(Command command) { RegisterCommand(std::move(command)); }
};

// Prints "fedlink <command>: <message>" on stderr and returns the exit code
// that fits the status: kExitUsage for InvalidArgument / FailedPrecondition
// on input, kExitFailure otherwise.
int ReportError(absl::string_view command, const absl::Status& status);

}  // namespace fedlink::cli

#define FEDLINK_CONCAT_INNER(a, b) a##b
#define FEDLINK_CONCAT(a, b) FEDLINK_CONCAT_INNER(a, b)
#define FEDLINK_COMMAND(...)                              \
  static ::fedlink::cli::CommandRegistrar FEDLINK_CONCAT( \
      fedlink_command_, __LINE__)(::fedlink::cli::Command{__VA_ARGS__})

#endif  // FEDLINK_NODE_CLI_COMMAND_H_
