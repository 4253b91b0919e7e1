// fedlink: one executable, one command per file (see command.h).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "node/cli/command.h"
#include "node/cli/output.h"

namespace fedlink::cli {
namespace {

// The documented flag spelling uses dashes (--node-id); Abseil flag names
// use underscores. Rewrites the name part of "--node-id=x" to "--node_id=x".
std::string NormaliseFlag(absl::string_view arg) {
  std::string out(arg);
  const size_t end = std::min(out.find('='), out.size());
  for (size_t i = 2; i < end; ++i) {
    if (out[i] == '-') out[i] = '_';
  }
  return out;
}

std::string Dashed(absl::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

std::vector<Command>& Registry() {
  static auto* commands = new std::vector<Command>();
  return *commands;
}

void PrintOverview() {
  std::vector<Command> sorted = Registry();
  std::sort(sorted.begin(), sorted.end(),
            [](const Command& a, const Command& b) { return a.name < b.name; });
  std::cout << "fedlink: a federated, privacy-preserving record-linkage node\n\n"
               "Usage: fedlink COMMAND [FLAGS] [ARGS]\n"
               "       fedlink COMMAND --help\n\nCommands:\n";
  for (const Command& c : sorted) {
    std::cout << "  " << c.name << std::string(c.name.size() < 22 ? 22 - c.name.size() : 1, ' ')
              << c.summary << "\n";
  }
}

void PrintCommandHelp(const Command& c) {
  std::cout << "fedlink " << c.name << ": " << c.summary << "\n\nUsage:\n" << c.usage << "\n";
  if (!c.flags.empty()) std::cout << "\nFlags:\n";
  for (absl::string_view name : c.flags) {
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) continue;
    std::cout << "  --" << Dashed(name);
    const std::string def = flag->DefaultValue();
    if (!def.empty()) std::cout << " (default: " << def << ")";
    std::cout << "\n      " << flag->Help() << "\n";
  }
}

// Returns the flag name of "--name=value", "--name", "-name", "--noname".
std::string FlagName(absl::string_view arg) {
  arg.remove_prefix(absl::StartsWith(arg, "--") ? 2 : 1);
  return std::string(arg.substr(0, arg.find('=')));
}

// A flag that is not boolean takes the next argument as its value.
bool TakesValue(const std::string& name) {
  const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
  return flag != nullptr && !flag->IsOfType<bool>();
}

bool Accepts(const Command& c, const std::string& name) {
  for (absl::string_view f : c.flags) {
    if (f == name) return true;
    if (absl::StrCat("no", f) == name) return true;  // --nobool
  }
  return false;
}

}  // namespace

void RegisterCommand(Command command) { Registry().push_back(std::move(command)); }
const std::vector<Command>& Commands() { return Registry(); }

int ReportError(absl::string_view command, const absl::Status& status) {
  std::cerr << "fedlink " << command << ": " << Safe(status.message()) << "\n";
  if (absl::IsInvalidArgument(status) || absl::IsFailedPrecondition(status) ||
      absl::IsNotFound(status) || absl::IsAlreadyExists(status) ||
      absl::IsPermissionDenied(status) || absl::IsDataLoss(status)) {
    return kExitUsage;
  }
  return kExitFailure;
}

int Main(int argc, char** argv) {
  if (argc < 2 || absl::string_view(argv[1]) == "help" || absl::string_view(argv[1]) == "--help" ||
      absl::string_view(argv[1]) == "-h") {
    if (argc >= 3 && absl::string_view(argv[1]) == "help") {
      // "help audit export" before "help audit", as commands are matched.
      const std::string two_words = argc >= 4 ? absl::StrCat(argv[2], " ", argv[3]) : "";
      for (const std::string& name : {two_words, std::string(argv[2])}) {
        for (const Command& c : Registry()) {
          if (!name.empty() && c.name == name) {
            PrintCommandHelp(c);
            return kExitOk;
          }
        }
      }
      std::cerr << "fedlink help: unknown command '" << Safe(argv[2])
                << "' (run `fedlink help` for the list)\n";
      return kExitUsage;
    }
    PrintOverview();
    return argc < 2 ? kExitUsage : kExitOk;
  }
  // Longest match: "bench crypto" before "bench".
  const Command* command = nullptr;
  int words = 0;
  for (const Command& c : Registry()) {
    if (argc >= 3 && c.name == absl::StrCat(argv[1], " ", argv[2])) {
      command = &c;
      words = 2;
      break;
    }
  }
  if (command == nullptr) {
    for (const Command& c : Registry()) {
      if (c.name == argv[1]) {
        command = &c;
        words = 1;
        break;
      }
    }
  }
  if (command == nullptr) {
    std::cerr << "fedlink: unknown command '" << argv[1] << "' (run `fedlink help` for the list)\n";
    return kExitUsage;
  }
  // Normalised copies of the arguments; argv keeps pointing into these.
  std::vector<std::string> normalised;
  normalised.reserve(argc);
  bool after_separator = false;
  for (int i = 0; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") after_separator = true;
    const bool is_flag =
        !after_separator && i > words && arg.size() > 2 && arg[0] == '-' && arg[1] == '-';
    normalised.push_back(is_flag ? NormaliseFlag(arg) : std::string(arg));
    // "--intake -" (standard input): joined as "--intake=-", which Abseil
    // takes without asking whether "-" was meant as a flag.
    if (is_flag && arg.find('=') == absl::string_view::npos && i + 1 < argc &&
        absl::string_view(argv[i + 1]) == "-" && TakesValue(FlagName(normalised.back()))) {
      normalised.back() += "=-";
      ++i;
    }
  }
  argc = static_cast<int>(normalised.size());
  for (int i = 0; i < argc; ++i) argv[i] = normalised[i].data();
  for (int i = 1 + words; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--help" || arg == "-h" || arg == "-help") {
      PrintCommandHelp(*command);
      return kExitOk;
    }
    if (arg.size() > 1 && arg[0] == '-' && !Accepts(*command, FlagName(arg))) {
      std::cerr << "fedlink " << command->name << ": unknown flag " << arg.substr(0, arg.find('='))
                << " (see `fedlink " << command->name << " --help`)\n";
      return kExitUsage;
    }
  }
  // Hand Abseil the program name and the flags/positional args.
  std::vector<char*> rest;
  rest.push_back(argv[0]);
  for (int i = 1 + words; i < argc; ++i) rest.push_back(argv[i]);
  std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(rest.size()), rest.data());
  std::vector<std::string> args(positional.begin() + 1, positional.end());
  return command->run(args);
}

}  // namespace fedlink::cli

int main(int argc, char** argv) { return fedlink::cli::Main(argc, argv); }
