// fedlink contact: ask the owner of a handle for contact about a match
// (node/app/followup.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "node/app/contact_approval.h"
#include "node/app/followup.h"
#include "node/cli/command.h"
#include "node/cli/flag_errors.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"

ABSL_FLAG(std::string, reason, "", "Why contact is needed (shown to the owner).");
ABSL_FLAG(std::string, approved_by, "",
          "The supervisor (a console user) who approved the request, when the node's policy "
          "requires approval; without it such a request is held for approval.");

namespace fedlink::cli {
namespace {

constexpr char kUsage[] =
    "fedlink contact: give --peer ID --handle H --reason TEXT to send a request, or list, "
    "approve ID or reject ID\n";

int SendContact() {
  return WithNodeInDir("contact", [&](app::Node& node) {
    app::ContactRequest request;
    request.peer = absl::GetFlag(FLAGS_peer);
    request.handle = absl::GetFlag(FLAGS_handle);
    request.reason = absl::GetFlag(FLAGS_reason);
    request.actor = ActorFromFlags();
    request.approved_by = absl::GetFlag(FLAGS_approved_by);
    auto outcome = app::RequestContact(node, request);
    if (!outcome.ok()) {
      return ReportError(
          "contact", NameFlags(outcome.status(), {{"peer, handle and reason are required",
                                                   "--peer, --handle and --reason are required"}}));
    }
    if (outcome->held) {
      std::cout << "contact request " << Safe(outcome->held_request.id) << " to "
                << Safe(outcome->held_request.peer)
                << " held: awaiting a supervisor's approval (node policy); a supervisor approves "
                   "or rejects it with `fedlink contact approve|reject` or in the console's "
                   "inbox\n";
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

std::string Utc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// One held request: what the caseworker asked, and its state.
std::string HeldLine(const followup::HeldContact& h) {
  std::string line =
      absl::StrCat("  ", Safe(h.id), " to ", Safe(h.peer), " about ", Safe(h.handle), " (our ",
                   Safe(h.own_id), ") purpose=", Safe(h.purpose),
                   " requested_by=", Safe(h.requested_by), " asked=", Utc(h.created_at));
  if (h.rejected()) {
    absl::StrAppend(&line, " rejected_by=", Safe(h.rejected_by), " rejected=", Utc(h.rejected_at));
  }
  absl::StrAppend(&line, " reason=", SafeQuoted(h.reason), "\n");
  return line;
}

int ListHeld() {
  return WithNodeInDir("contact list", [&](app::Node& node) {
    auto held = app::HeldContactRequests(node);
    if (!held.ok()) return ReportError("contact list", held.status());
    auto rejected = app::RejectedContactRequests(node);
    if (!rejected.ok()) return ReportError("contact list", rejected.status());
    std::cout << "awaiting approval (" << held->size() << "):\n";
    for (const followup::HeldContact& h : *held) std::cout << HeldLine(h);
    std::cout << "rejected (" << rejected->size() << "):\n";
    for (const followup::HeldContact& h : *rejected) std::cout << HeldLine(h);
    return kExitOk;
  });
}

// A supervisor (--official, an enabled supervisor among the console's users)
// approves or rejects a held request, as on the console's inbox.
int Decide(const std::string& verb, const std::string& id) {
  const std::string command = absl::StrCat("contact ", verb);
  const app::Actor supervisor = ActorFromFlags();
  if (supervisor.official.empty()) {
    return ReportError(
        command, absl::InvalidArgumentError("give --official NAME: the supervisor who decides"));
  }
  return WithNodeInDir(command, [&](app::Node& node) {
    if (verb == "approve") {
      auto sent = app::ApproveContactRequest(node, id, supervisor);
      if (!sent.ok()) return ReportError(command, sent.status());
      const absl::Time now = absl::Now();
      std::cout << "contact request " << Safe(sent->id) << " approved by "
                << Safe(supervisor.official) << " and sent to " << Safe(sent->peer) << " about "
                << Safe(sent->handle) << " (hit " << app::Ago(sent->hit_at, now) << "; "
                << app::PrumWindowLeft(sent->hit_at, now) << ")\n";
      return kExitOk;
    }
    if (absl::Status s = app::RejectContactRequest(node, id, supervisor); !s.ok()) {
      return ReportError(command, s);
    }
    std::cout << "contact request " << Safe(id) << " rejected by " << Safe(supervisor.official)
              << ": not sent\n";
    return kExitOk;
  });
}

int RunContact(const std::vector<std::string>& args) {
  if (args.empty()) return SendContact();
  const std::string& verb = args[0];
  if (verb == "list" && args.size() == 1) return ListHeld();
  if ((verb == "approve" || verb == "reject") && args.size() == 2) return Decide(verb, args[1]);
  std::cerr << kUsage;
  return kExitUsage;
}

FEDLINK_COMMAND("contact",
                "  fedlink contact --dir DIR --peer ID --handle H --reason TEXT\n"
                "                  [--legal-basis REF] [--official ID] [--approved-by NAME]\n"
                "  fedlink contact --dir DIR list\n"
                "  fedlink contact --dir DIR approve ID --official SUPERVISOR\n"
                "  fedlink contact --dir DIR reject ID --official SUPERVISOR\n\n"
                "Asks the owner of handle H (from a `fedlink match` result) for contact\n"
                "about the match. Refused if the matched own record no longer consents\n"
                "to the purpose. When the node's policy sets\n"
                "contact_requests_need_approval, the request is held until a supervisor\n"
                "approves it, unless --approved-by names the enabled supervisor (a console\n"
                "user) who approved it. list shows the held requests awaiting approval and\n"
                "those a supervisor rejected (by whom, when); approve sends a held request,\n"
                "reject keeps it unsent as rejected; --official names the supervisor, who\n"
                "must be an enabled supervisor among the console's users.",
                "send a follow-up contact request about a match; approve or reject held ones",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "peer",
                 "handle", "reason", "legal_basis", "official", "approved_by"},
                RunContact);

}  // namespace
}  // namespace fedlink::cli
