// fedlink contact: ask the owner of a handle for contact about a match
// (node/app/followup.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "node/app/followup.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"

ABSL_FLAG(std::string, reason, "", "Why contact is needed (shown to the owner).");

namespace fedlink::cli {
namespace {

int RunContact(const std::vector<std::string>& args) {
  return WithNodeInDir("contact", [&](app::Node& node) {
    app::ContactRequest request;
    request.peer = absl::GetFlag(FLAGS_peer);
    request.handle = absl::GetFlag(FLAGS_handle);
    request.reason = absl::GetFlag(FLAGS_reason);
    request.actor = ActorFromFlags();
    auto sent = app::SendContactRequest(node, request);
    if (!sent.ok()) return ReportError("contact", sent.status());
    const absl::Time now = absl::Now();
    std::cout << "contact request " << Safe(sent->id) << " sent to " << Safe(sent->peer)
              << " about " << Safe(sent->handle) << " (hit " << app::Ago(sent->hit_at, now) << "; "
              << app::PrumWindowLeft(sent->hit_at, now) << ")\n";
    return kExitOk;
  });
}

FEDLINK_COMMAND("contact",
                "  fedlink contact --dir DIR --peer ID --handle H --reason TEXT\n"
                "                  [--legal-basis REF] [--official ID]\n\n"
                "Asks the owner of handle H (from a `fedlink match` or `lookup` result)\n"
                "for contact about the match. Refused if the matched own record no\n"
                "longer consents to the purpose.",
                "send a follow-up contact request about a match",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "peer",
                 "handle", "reason", "legal_basis", "official"},
                RunContact);

}  // namespace
}  // namespace fedlink::cli
