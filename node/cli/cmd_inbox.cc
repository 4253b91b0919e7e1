// fedlink inbox: contact requests received and sent; accept or decline one
// (node/app/followup.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "node/app/followup.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"

ABSL_FLAG(std::string, accept, "", "Accept the incoming request with this id.");
ABSL_FLAG(std::string, decline, "", "Decline the incoming request with this id.");
ABSL_FLAG(std::string, message, "",
          "Reply to the requester (e.g. whom to call). Keep personal data out.");

namespace fedlink::cli {
namespace {

// Everything shown here may come from a peer: ids, handles, purposes, reasons
// and replies are shown through Safe (node/cli/output.h).
std::string Reply(const followup::Contact& c) {
  return c.reply.empty() ? "" : absl::StrCat(" reply=", SafeQuoted(c.reply));
}
// A request's handle and reason, or "(erased)" once its content was erased
// (consent withdrawn, record deleted).
std::string Handle(const followup::Contact& c) { return c.erased() ? "(erased)" : Safe(c.handle); }
std::string Reason(const followup::Contact& c) {
  return c.erased() ? "(erased)" : SafeQuoted(c.reason);
}

void PrintInbox(const app::Inbox& inbox, absl::Time now) {
  std::cout << "incoming (" << inbox.incoming.size() << "):\n";
  for (const followup::Contact& c : inbox.incoming) {
    std::cout << absl::StrFormat(
        "  %s from %s about %s (%s) purpose=%s status=%s hit=%s (%s) reason=%s%s\n", Safe(c.id),
        Safe(c.peer), Safe(c.own_id), Handle(c), Safe(c.purpose), ContactStatusName(c.status),
        app::Ago(c.hit_at, now),
        c.status == followup::ContactStatus::kPending ? app::PrumWindowLeft(c.hit_at, now)
                                                      : "answered",
        Reason(c), Reply(c));
  }
  size_t notices = 0;
  for (const app::NoticeSummary& n : inbox.notices) notices += n.count;
  std::cout << "match notices (" << notices << "):\n";
  for (const app::NoticeSummary& n : inbox.notices) {
    std::cout << "  " << Safe(n.peer) << " matched " << n.count << " of our records for "
              << Safe(n.purpose) << " (latest " << app::Ago(n.latest, now)
              << "; `fedlink records show` per record)\n";
  }
  std::cout << "outgoing (" << inbox.outgoing.size() << "):\n";
  for (const followup::Contact& c : inbox.outgoing) {
    std::cout << absl::StrFormat(
        "  %s to %s about %s (our %s) purpose=%s status=%s hit=%s reason=%s%s\n", Safe(c.id),
        Safe(c.peer), Handle(c), Safe(c.own_id), Safe(c.purpose), ContactStatusName(c.status),
        app::Ago(c.hit_at, now), Reason(c), Reply(c));
  }
}

int RunInbox(const std::vector<std::string>& args) {
  return WithNodeInDir("inbox", [&](app::Node& node) {
    const std::string accept = absl::GetFlag(FLAGS_accept), decline = absl::GetFlag(FLAGS_decline);
    if (!accept.empty() && !decline.empty()) {
      return ReportError("inbox",
                         absl::InvalidArgumentError("give --accept or --decline, not both"));
    }
    if (accept.empty() && decline.empty()) {
      auto inbox = app::ReadInbox(node);
      if (!inbox.ok()) return ReportError("inbox", inbox.status());
      PrintInbox(*inbox, absl::Now());
      return kExitOk;
    }
    app::Decision decision;
    decision.contact_id = accept.empty() ? decline : accept;
    decision.accept = !accept.empty();
    decision.message = absl::GetFlag(FLAGS_message);
    decision.actor = ActorFromFlags();
    auto decided = app::DecideContactRequest(node, decision);
    if (!decided.ok()) return ReportError("inbox", decided.status());
    std::cout << Safe(decided->id) << " " << ContactStatusName(decided->status) << "; "
              << Safe(decided->peer) << " notified\n";
    return kExitOk;
  });
}

FEDLINK_COMMAND("inbox",
                "  fedlink inbox --dir DIR\n"
                "  fedlink inbox --dir DIR --accept ID [--message TEXT]\n"
                "  fedlink inbox --dir DIR --decline ID [--message TEXT]\n\n"
                "Lists contact requests received (with the own record they are about and\n"
                "the time since the hit) and sent (with the owners' answers); or accepts\n"
                "or declines a received request, notifying the requester.",
                "contact requests received and sent; accept or decline",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "accept",
                 "decline", "message", "official"},
                RunInbox);

}  // namespace
}  // namespace fedlink::cli
