// fedlink resolve: on the owner, the external id behind one of its handles.
#include <iostream>

#include "absl/flags/flag.h"
#include "node/app/match.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"

namespace fedlink::cli {
namespace {

int RunResolve(const std::vector<std::string>& args) {
  return WithNodeInDir("resolve", {.load_identity = false}, [&](app::Node& node) {
    auto id = app::ResolveHandle(node, absl::GetFlag(FLAGS_handle), absl::GetFlag(FLAGS_peer));
    if (!id.ok()) return ReportError("resolve", id.status());
    std::cout << *id << "\n";
    return kExitOk;
  });
}

FEDLINK_COMMAND("resolve", "  fedlink resolve --dir DIR --handle H [--peer ID]",
                "print the external id behind one of this node's handles",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "handle",
                 "peer"},
                RunResolve);

}  // namespace
}  // namespace fedlink::cli
