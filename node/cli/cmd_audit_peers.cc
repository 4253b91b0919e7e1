// fedlink audit witness | fetch: the access log and the node's peers
// (node/app/audit.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "node/app/audit.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"

namespace fedlink::cli {
namespace {

// Asks every peer to witness (cosign) this node's latest checkpoint.
int RunAuditWitness(const std::vector<std::string>& args) {
  return WithNodeInDir("audit witness", [&](app::Node& node) {
    auto results = app::WitnessNow(node);
    if (!results.ok()) return ReportError("audit witness", results.status());
    int refused = 0;
    for (const audit::WitnessResult& r : *results) {
      if (r.status.ok()) {
        std::cout << Safe(r.peer) << ": cosigned checkpoint of size " << r.size << "\n";
      } else {
        ++refused;
        std::cout << Safe(r.peer) << ": NOT cosigned: " << absl::StatusCodeToString(r.status.code())
                  << ": " << Safe(r.status.message()) << "\n";
      }
    }
    return refused == 0 ? kExitOk : kExitFailure;
  });
}

// An auditor member fetches a node's export over mutual TLS.
int RunAuditFetch(const std::vector<std::string>& args) {
  const std::string out = absl::GetFlag(FLAGS_out), peer = absl::GetFlag(FLAGS_peer);
  if (out.empty() || peer.empty()) {
    return ReportError("audit fetch", absl::InvalidArgumentError("--peer and --out are required"));
  }
  return WithNodeInDir("audit fetch", [&](app::Node& node) {
    auto bytes = app::FetchAuditExport(node, peer);
    if (!bytes.ok()) return ReportError("audit fetch", bytes.status());
    if (auto s = WriteOutput(out, *bytes); !s.ok()) return ReportError("audit fetch", s);
    std::cout << "fetched and verified the access log of " << Safe(peer) << " into " << out << "\n";
    return kExitOk;
  });
}

FEDLINK_COMMAND("audit fetch",
                "  fedlink audit fetch --dir DIR --peer ID --out FILE\n\n"
                "On an auditor member's node: fetches node ID's export over mutual TLS\n"
                "(the node must have a policy rule for purpose 'audit' that applies to\n"
                "this auditor), verifies it against the roster key and writes it.",
                "fetch a node's access log as an auditor member",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "peer",
                 "out"},
                RunAuditFetch);
FEDLINK_COMMAND("audit witness",
                "  fedlink audit witness --dir DIR\n\n"
                "Asks every roster member to cosign this node's latest checkpoint\n"
                "(each checks it is consistent with the last one it cosigned) and\n"
                "keeps the cosignatures for `audit export`. Exit 1 if any refused.",
                "have peers witness (cosign) this node's log checkpoint",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential"},
                RunAuditWitness);

}  // namespace
}  // namespace fedlink::cli
