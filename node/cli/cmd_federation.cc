// The federation coordinator's commands: federation init and rotate-key,
// roster add, remove and sign (node/app/coordinator.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "node/app/coordinator.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"

ABSL_FLAG(std::string, federation_id, "", "Federation id, e.g. eu-ht (1-64 of [a-z0-9.-]).");
ABSL_FLAG(absl::Duration, valid_for, absl::Hours(24 * 30), "How long a signed roster is valid.");

namespace fedlink::cli {
namespace {

int RunFederationInit(const std::vector<std::string>& args) {
  auto vkey = app::CreateCoordinator(absl::GetFlag(FLAGS_dir), absl::GetFlag(FLAGS_federation_id));
  if (!vkey.ok()) return ReportError("federation init", vkey.status());
  std::cout << "coordinator initialised in " << absl::GetFlag(FLAGS_dir) << "\n"
            << "federation key (give it to every member for `fedlink roster install "
               "--federation-key`):\n"
            << *vkey << "\n";
  return kExitOk;
}

int RunFederationRotateKey(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return ReportError("federation rotate-key", absl::InvalidArgumentError("expected no argument"));
  }
  auto vkey = app::RotateRosterKey(absl::GetFlag(FLAGS_dir));
  if (!vkey.ok()) return ReportError("federation rotate-key", vkey.status());
  std::cout << "the roster-signing key of " << absl::GetFlag(FLAGS_dir)
            << " is new; every roster signed from now on carries the transition signed by the "
               "old key, and members follow it at their next `fedlink roster install`\n"
            << "federation key (for new members' first install):\n"
            << *vkey << "\n";
  return kExitOk;
}

int RunRosterAdd(const std::vector<std::string>& args) {
  if (args.empty())
    return ReportError("roster add", absl::InvalidArgumentError("expected REQUEST.txtpb..."));
  for (const std::string& path : args) {
    if (auto s = app::AddMemberFromFile(absl::GetFlag(FLAGS_dir), path); !s.ok()) {
      return ReportError("roster add", s);
    }
    std::cout << "added " << Safe(path) << " (takes effect at the next `fedlink roster sign`)\n";
  }
  return kExitOk;
}

int RunRosterRemove(const std::vector<std::string>& args) {
  if (args.size() != 1)
    return ReportError("roster remove", absl::InvalidArgumentError("expected NODE_ID"));
  if (auto s = app::RemoveRosterMember(absl::GetFlag(FLAGS_dir), args[0]); !s.ok()) {
    return ReportError("roster remove", s);
  }
  std::cout << "removed " << Safe(args[0])
            << " (revoked at each node once it installs the next signed roster)\n";
  return kExitOk;
}

int RunRosterSign(const std::vector<std::string>& args) {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty())
    return ReportError("roster sign", absl::InvalidArgumentError("--out is required"));
  auto signed_roster =
      app::SignNextRoster(absl::GetFlag(FLAGS_dir), absl::GetFlag(FLAGS_valid_for));
  if (!signed_roster.ok()) return ReportError("roster sign", signed_roster.status());
  if (auto s = WriteOutput(out, signed_roster->envelope); !s.ok()) {
    return ReportError("roster sign", s);
  }
  std::cout << "signed " << out << ": " << federation::FormatRoster(signed_roster->roster);
  return kExitOk;
}

FEDLINK_COMMAND("federation init", "  fedlink federation init --dir COORD --federation-id ID",
                "create a coordinator directory with the roster-signing key",
                {"dir", "federation_id"}, RunFederationInit);
FEDLINK_COMMAND("federation rotate-key", "  fedlink federation rotate-key --dir COORD",
                "coordinator: roll the roster-signing key over (members follow, no re-pin)",
                {"dir"}, RunFederationRotateKey);
FEDLINK_COMMAND("roster add", "  fedlink roster add --dir COORD REQUEST.txtpb...",
                "coordinator: add (or update) members from their membership requests", {"dir"},
                RunRosterAdd);
FEDLINK_COMMAND("roster remove", "  fedlink roster remove --dir COORD NODE_ID",
                "coordinator: remove a member (revoked by the next signed roster)", {"dir"},
                RunRosterRemove);
FEDLINK_COMMAND("roster sign",
                "  fedlink roster sign --dir COORD --out roster.bin [--valid-for 720h]",
                "coordinator: sign the member list as the next roster version",
                {"dir", "out", "valid_for"}, RunRosterSign);

}  // namespace
}  // namespace fedlink::cli
