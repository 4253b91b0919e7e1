// A node's federation membership: member-request, rotate tls|identity, roster
// install and roster show (node/app/membership.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "node/app/identity_rotation.h"
#include "node/app/membership.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"

namespace fedlink::cli {
namespace {

int RunMemberRequest(const std::vector<std::string>& args) {
  return WithNodeInDir("member-request", [&](app::Node& node) {
    auto text = app::MembershipRequest(node);
    if (!text.ok()) return ReportError("member-request", text.status());
    std::cout << *text;
    return kExitOk;
  });
}

int RunRosterInstall(const std::vector<std::string>& args) {
  if (args.size() != 1)
    return ReportError("roster install", absl::InvalidArgumentError("expected ROSTER.bin"));
  return WithNodeInDir("roster install", [&](app::Node& node) {
    auto installed = app::InstallRosterFile(node, args[0], absl::GetFlag(FLAGS_federation_key));
    if (!installed.ok()) return ReportError("roster install", installed.status());
    if (!installed->lists_this_node) {
      std::cerr << "warning: this node (" << node.id()
                << ") is not a member of the installed roster\n";
    }
    std::cout << "installed " << federation::FormatRoster(installed->roster);
    if (installed->switched_tls_key) {
      std::cout << "switched to the new TLS key this roster names (`fedlink rotate tls`); "
                   "restart a running `fedlink serve` to serve with it\n";
    }
    if (installed->switched_identity_key) {
      std::cout << "switched to the new identity key this roster names (`fedlink rotate "
                   "identity`); the access log records the change; restart a running `fedlink "
                   "serve` to sign with it\n";
    }
    return kExitOk;
  });
}

int RunRotate(const std::vector<std::string>& args) {
  if (args.size() != 1 || (args[0] != "tls" && args[0] != "identity")) {
    return ReportError("rotate", absl::InvalidArgumentError("expected: rotate identity | tls"));
  }
  if (args[0] == "identity") {
    return WithNodeInDir("rotate", [&](app::Node& node) {
      auto request = app::RotateIdentityKey(node);
      if (!request.ok()) return ReportError("rotate", request.status());
      std::cout << *request;
      std::cerr << "rotate: a new identity key waits in " << node.paths().dir
                << "/identity.key.next; the node keeps signing with its current key until a "
                   "roster naming the new one is installed. Send the membership request above "
                   "to the coordinator.\n";
      return kExitOk;
    });
  }
  return WithNodeInDir("rotate", [&](app::Node& node) {
    auto request = app::RotateTlsKey(node);
    if (!request.ok()) return ReportError("rotate", request.status());
    std::cout << *request;
    std::cerr << "rotate: a new TLS key waits in " << node.paths().dir
              << "/tls.key.next; the node keeps its current key until a roster naming the new "
                 "one is installed. Send the membership request above to the coordinator.\n";
    return kExitOk;
  });
}

int RunRosterShow(const std::vector<std::string>& args) {
  return WithNodeInDir("roster show", {.load_identity = false}, [&](app::Node& node) {
    auto roster = app::InstalledRoster(node);
    if (!roster.ok()) return ReportError("roster show", roster.status());
    std::cout << federation::FormatRoster(*roster);
    return kExitOk;
  });
}

FEDLINK_COMMAND("member-request", "  fedlink member-request --dir DIR > req.txtpb",
                "print this node's membership request (node id, organisation, "
                "role, endpoint, "
                "Ed25519 key, TLS fingerprint)",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential"},
                RunMemberRequest);
FEDLINK_COMMAND("roster install",
                "  fedlink roster install --dir DIR [--federation-key VKEY] roster.bin",
                "node: verify and install a signed roster (higher version, unexpired, "
                "pinned key)",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential",
                 "federation_key"},
                RunRosterInstall);
FEDLINK_COMMAND("rotate",
                "  fedlink rotate tls --dir DIR [key source] > req.txtpb\n"
                "  fedlink rotate identity --dir DIR [key source] > req.txtpb",
                "node: a new TLS key pair or identity key and the membership request naming it "
                "(the node switches when a roster names it)",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential"}, RunRotate);
FEDLINK_COMMAND("roster show", "  fedlink roster show --dir DIR",
                "node: print the installed roster",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential"},
                RunRosterShow);

}  // namespace
}  // namespace fedlink::cli
