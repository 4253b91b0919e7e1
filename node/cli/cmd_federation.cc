// Federation membership: the coordinator's roster commands and a node's
// membership request and roster installation.
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/cli/command.h"
#include "node/cli/output.h"
#include "node/cli/command_audit.h"
#include "node/cli/flags.h"
#include "node/config/node_dir.h"
#include "node/federation/roster.h"

ABSL_FLAG(std::string, federation_id, "",
          "Federation id, e.g. eu-ht (1-64 of [a-z0-9.-]).");
ABSL_FLAG(absl::Duration, valid_for, absl::Hours(24 * 30),
          "How long a signed roster is valid.");

namespace fedlink::cli {
namespace {


int RunFederationInit(const std::vector<std::string>& args) {
  auto vkey = federation::InitCoordinator(absl::GetFlag(FLAGS_dir),
                                          absl::GetFlag(FLAGS_federation_id));
  if (!vkey.ok()) return ReportError("federation init", vkey.status());
  std::cout
      << "coordinator initialised in " << absl::GetFlag(FLAGS_dir) << "\n"
      << "federation key (give it to every member for `fedlink roster install "
         "--federation-key`):\n"
      << *vkey << "\n";
  return kExitOk;
}

int RunMemberRequest(const std::vector<std::string>& args) {
  auto node = OpenNode(absl::GetFlag(FLAGS_dir), {.load_identity = true});
  if (!node.ok()) return ReportError("member-request", node.status());
  auto text = federation::MemberRequest((*node)->paths, (*node)->config,
                                        (*node)->identity->VerifierKey());
  if (!text.ok()) return ReportError("member-request", text.status());
  std::cout << *text;
  return kExitOk;
}

int RunRosterAdd(const std::vector<std::string>& args) {
  if (args.empty())
    return ReportError("roster add",
                       absl::InvalidArgumentError("expected REQUEST.txtpb..."));
  for (const std::string& path : args) {
    auto text = ReadWholeFile(path);
    if (!text.ok()) return ReportError("roster add", text.status());
    if (auto s = federation::AddMember(absl::GetFlag(FLAGS_dir), *text, path);
        !s.ok()) {
      return ReportError("roster add", s);
    }
    std::cout << "added " << path
              << " (takes effect at the next `fedlink roster sign`)\n";
  }
  return kExitOk;
}

int RunRosterRemove(const std::vector<std::string>& args) {
  if (args.size() != 1)
    return ReportError("roster remove",
                       absl::InvalidArgumentError("expected NODE_ID"));
  if (auto s = federation::RemoveMember(absl::GetFlag(FLAGS_dir), args[0]);
      !s.ok()) {
    return ReportError("roster remove", s);
  }
  std::cout
      << "removed " << args[0]
      << " (revoked at each node once it installs the next signed roster)\n";
  return kExitOk;
}

int RunRosterSign(const std::vector<std::string>& args) {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty())
    return ReportError("roster sign",
                       absl::InvalidArgumentError("--out is required"));
  auto envelope = federation::SignRoster(
      absl::GetFlag(FLAGS_dir), absl::GetFlag(FLAGS_valid_for), absl::Now());
  if (!envelope.ok()) return ReportError("roster sign", envelope.status());
  std::ofstream f(out, std::ios::binary | std::ios::trunc);
  f << *envelope;
  f.close();
  if (!f)
    return ReportError("roster sign", absl::PermissionDeniedError(
                                          absl::StrCat(out, ": cannot write")));
  auto vkey = federation::CoordinatorVkey(absl::GetFlag(FLAGS_dir));
  auto key = vkey.ok() ? Verifier::Parse(*vkey)
                       : absl::StatusOr<Verifier>(vkey.status());
  if (!key.ok()) return ReportError("roster sign", key.status());
  auto roster = federation::Roster::Open(*envelope, *key, absl::Now());
  if (!roster.ok()) return ReportError("roster sign", roster.status());
  std::cout << "signed " << out << ": " << federation::FormatRoster(*roster);
  return kExitOk;
}

int RunRosterInstall(const std::vector<std::string>& args) {
  if (args.size() != 1)
    return ReportError("roster install",
                       absl::InvalidArgumentError("expected ROSTER.bin"));
  const std::string dir = absl::GetFlag(FLAGS_dir);
  auto node = OpenNode(dir, {.load_identity = true});
  if (!node.ok()) return ReportError("roster install", node.status());
  auto log = OpenCommandAudit(**node);
  if (!log.ok()) return ReportError("roster install", log.status());
  auto bytes = ReadWholeFile(args[0]);
  if (!bytes.ok()) return ReportError("roster install", bytes.status());
  std::optional<std::string> key;
  if (!absl::GetFlag(FLAGS_federation_key).empty())
    key = absl::GetFlag(FLAGS_federation_key);
  auto roster =
      federation::InstallRoster((*node)->paths, *bytes, key, absl::Now());
  audit::Event entry;
  entry.event = "roster.install";
  entry.requester = (*node)->config.node_id;
  entry.outcome = OutcomeOf(roster.status());
  if (roster.ok()) {
    entry.count = roster->members().size();
    entry.detail = absl::StrCat(roster->federation_id(), " version ", roster->version());
  }
  if (auto logged = (*log)->Append(entry); !logged.ok()) {
    return ReportError("roster install", logged.status());
  }
  if (!roster.ok()) return ReportError("roster install", roster.status());
  if (roster->Find((*node)->config.node_id) == nullptr) {
    std::cerr << "warning: this node (" << (*node)->config.node_id
              << ") is not a member of the installed roster\n";
  }
  std::cout << "installed " << federation::FormatRoster(*roster);
  return kExitOk;
}

int RunRosterShow(const std::vector<std::string>& args) {
  auto node = OpenNode(absl::GetFlag(FLAGS_dir), {.load_identity = false});
  if (!node.ok()) return ReportError("roster show", node.status());
  auto roster = federation::LoadInstalledRoster((*node)->paths, absl::Now());
  if (!roster.ok()) return ReportError("roster show", roster.status());
  std::cout << federation::FormatRoster(*roster);
  return kExitOk;
}

FEDLINK_COMMAND("federation init",
                "  fedlink federation init --dir COORD --federation-id ID",
                "create a coordinator directory with the roster-signing key",
                {"dir", "federation_id"}, RunFederationInit);
FEDLINK_COMMAND("member-request",
                "  fedlink member-request --dir DIR > req.txtpb",
                "print this node's membership request (node id, organisation, "
                "role, endpoint, "
                "Ed25519 key, TLS fingerprint)",
                {"dir"}, RunMemberRequest);
FEDLINK_COMMAND(
    "roster add", "  fedlink roster add --dir COORD REQUEST.txtpb...",
    "coordinator: add (or update) members from their membership requests",
    {"dir"}, RunRosterAdd);
FEDLINK_COMMAND(
    "roster remove", "  fedlink roster remove --dir COORD NODE_ID",
    "coordinator: remove a member (revoked by the next signed roster)", {"dir"},
    RunRosterRemove);
FEDLINK_COMMAND(
    "roster sign",
    "  fedlink roster sign --dir COORD --out roster.bin [--valid-for 720h]",
    "coordinator: sign the member list as the next roster version",
    {"dir", "out", "valid_for"}, RunRosterSign);
FEDLINK_COMMAND(
    "roster install",
    "  fedlink roster install --dir DIR [--federation-key VKEY] roster.bin",
    "node: verify and install a signed roster (higher version, unexpired, "
    "pinned key)",
    {"dir", "federation_key"}, RunRosterInstall);
FEDLINK_COMMAND("roster show", "  fedlink roster show --dir DIR",
                "node: print the installed roster", {"dir"}, RunRosterShow);

}  // namespace
}  // namespace fedlink::cli
