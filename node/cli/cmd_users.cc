// fedlink users: the people who may log in to the node's web console
// (node/app/users.h). Passwords come from the terminal (asked twice, not
// shown) or the first line of standard input, never from a flag.
#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <iostream>
#include <string>

#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "node/app/users.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/key_source_flags.h"
#include "node/cli/output.h"
#include "node/common/csv_writer.h"

namespace fedlink::cli {
namespace {

// Wipes the password it holds on destruction.
struct Password {
  std::string text;
  ~Password() { sodium_memzero(text.data(), text.size()); }
};

absl::Status ReadPassword(const std::string& user, Password* out) {
  if (isatty(STDIN_FILENO) == 1) {
    const int tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (tty < 0) return absl::FailedPreconditionError("password: no terminal to ask");
    const std::string prompt = "New console password for " + user + ": ";
    auto first = ReadHidden(tty, prompt.c_str());
    auto again = first.ok() ? ReadHidden(tty, "Again: ") : first;
    close(tty);
    if (!first.ok()) return first.status();
    Password second{again.ok() ? *again : ""};
    out->text = *first;
    sodium_memzero(first->data(), first->size());
    if (again.ok()) sodium_memzero(again->data(), again->size());
    if (second.text != out->text) {
      return absl::InvalidArgumentError("password: the two entries differ");
    }
    return absl::OkStatus();
  }
  std::getline(std::cin, out->text);
  if (!out->text.empty() && out->text.back() == '\r') out->text.pop_back();
  if (out->text.empty()) {
    return absl::InvalidArgumentError("password: give it on the first line of standard input");
  }
  return absl::OkStatus();
}

// The operator at the shell acts as --official, or as "operator".
app::Actor OperatorActor() {
  app::Actor actor = ActorFromFlags();
  if (actor.official.empty()) actor.official = "operator";
  return actor;
}

int RunUsers(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::cerr << "fedlink users: give add NAME ROLE, list, disable NAME or reset NAME\n";
    return kExitUsage;
  }
  const std::string& verb = args[0];
  const size_t want = verb == "add" ? 3 : verb == "list" ? 1 : 2;
  if ((verb != "add" && verb != "list" && verb != "disable" && verb != "reset") ||
      args.size() != want) {
    std::cerr << "fedlink users: give add NAME ROLE, list, disable NAME or reset NAME\n";
    return kExitUsage;
  }
  return WithNodeInDir("users", [&](app::Node& node) {
    if (verb == "list") {
      auto users = app::ListUsers(node);
      if (!users.ok()) return ReportError("users", users.status());
      common::CsvWriter csv({"name", "role", "state", "created"});
      for (const app::User& u : *users) {
        csv.OwnField(u.name)
            .OwnField(app::UserRoleName(u.role))
            .OwnField(u.disabled ? "disabled" : "enabled")
            .OwnField(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", u.created, absl::UTCTimeZone()))
            .EndRow();
      }
      std::cout << csv.text();
      return kExitOk;
    }
    const std::string& name = args[1];
    if (auto s = app::CheckUserName(name); !s.ok()) return ReportError("users", s);
    if (verb == "disable") {
      if (auto s = app::DisableUser(node, name, OperatorActor()); !s.ok()) {
        return ReportError("users", s);
      }
      std::cout << "disabled user " << name << "\n";
      return kExitOk;
    }
    app::UserRole role = app::UserRole::kCaseworker;
    if (verb == "add") {
      auto parsed = app::ParseUserRole(args[2]);
      if (!parsed.ok()) return ReportError("users", parsed.status());
      role = *parsed;
    }
    Password password;
    if (auto s = ReadPassword(name, &password); !s.ok()) return ReportError("users", s);
    if (verb == "add") {
      if (auto s = app::AddUser(node, {name, role, password.text}, OperatorActor()); !s.ok()) {
        return ReportError("users", s);
      }
      std::cout << "added user " << name << " (" << app::UserRoleName(role) << ")\n";
      return kExitOk;
    }
    if (auto s = app::ResetPassword(node, name, password.text, OperatorActor()); !s.ok()) {
      return ReportError("users", s);
    }
    std::cout << "reset the password of " << name << " (enabled)\n";
    return kExitOk;
  });
}

FEDLINK_COMMAND("users",
                "  fedlink users --dir DIR add NAME ROLE      # password: terminal or stdin\n"
                "  fedlink users --dir DIR list               # CSV name,role,state,created\n"
                "  fedlink users --dir DIR disable NAME\n"
                "  fedlink users --dir DIR reset NAME         # new password; enables the user\n\n"
                "The people who may log in to the web console (`fedlink serve --web`;\n"
                "docs/console.md). ROLE is caseworker, supervisor, auditor or admin. NAME is\n"
                "1-64 of a-z 0-9 . _ - and is logged as the official of what the user does.\n"
                "The password (12 characters or more) is asked twice on the terminal, or\n"
                "read from the first line of standard input; never from a flag. users.db is\n"
                "sealed under the node's data key; every change is in the access log.",
                "manage the web console's users",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "official"},
                RunUsers);

}  // namespace
}  // namespace fedlink::cli
