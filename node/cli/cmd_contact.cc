// fedlink contact: ask the owner of a handle for contact about a match
// (node/app/followup.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "node/app/contact_approval.h"
#include "node/app/followup.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"

ABSL_FLAG(std::string, reason, "", "Why contact is needed (shown to the owner).");
ABSL_FLAG(std::string, approved_by, "",
          "The supervisor (a console user) who approved the request, when the node's policy "
          "requires approval; without it such a request is held for approval.");

namespace fedlink::cli {
namespace {

int RunContact(const std::vector<std::string>& args) {
  return WithNodeInDir("contact", [&](app::Node& node) {
    app::ContactRequest request;
    request.peer = absl::GetFlag(FLAGS_peer);
    request.handle = absl::GetFlag(FLAGS_handle);
    request.reason = absl::GetFlag(FLAGS_reason);
    request.actor = ActorFromFlags();
    request.approved_by = absl::GetFlag(FLAGS_approved_by);
    auto outcome = app::RequestContact(node, request);
    if (!outcome.ok()) return ReportError("contact", outcome.status());
    if (outcome->held) {
      std::cout << "contact request " << Safe(outcome->held_request.id) << " to "
                << Safe(outcome->held_request.peer)
                << " held: awaiting a supervisor's approval (node policy); a supervisor approves "
                   "or rejects it in the console's inbox\n";
      return kExitOk;
    }
    const followup::Contact* sent = &outcome->sent;
    const absl::Time now = absl::Now();
    std::cout << "contact request " << Safe(sent->id) << " sent to " << Safe(sent->peer)
              << " about " << Safe(sent->handle) << " (hit " << app::Ago(sent->hit_at, now) << "; "
              << app::PrumWindowLeft(sent->hit_at, now) << ")\n";
    return kExitOk;
  });
}

FEDLINK_COMMAND("contact",
                "  fedlink contact --dir DIR --peer ID --handle H --reason TEXT\n"
                "                  [--legal-basis REF] [--official ID] [--approved-by NAME]\n\n"
                "Asks the owner of handle H (from a `fedlink match` result) for contact\n"
                "about the match. Refused if the matched own record no longer consents\n"
                "to the purpose. When the node's policy sets\n"
                "contact_requests_need_approval, the request is held until a supervisor\n"
                "approves it in the console, unless --approved-by names the enabled\n"
                "supervisor (a console user) who approved it.",
                "send a follow-up contact request about a match",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "peer",
                 "handle", "reason", "legal_basis", "official", "approved_by"},
                RunContact);

}  // namespace
}  // namespace fedlink::cli
