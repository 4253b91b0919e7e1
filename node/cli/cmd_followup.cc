// fedlink contact | inbox: follow-up after a hit. The requester asks the
// owner of a handle for contact; the owner sees the request in its inbox and
// accepts or declines it; both nodes keep the request and the decision, and
// show the time since the hit (Prüm II expects the data behind a hit within
// 48 hours).
#include <sodium.h>

#include <iostream>
#include <map>

#include "node/common/node_paths.h"
#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "node/cli/command.h"
#include "node/cli/command_audit.h"
#include "node/cli/flags.h"
#include "node/cli/peer_session.h"
#include "node/followup/followup_client.h"
#include "node/followup/followup_store.h"

ABSL_FLAG(std::string, reason, "", "Why contact is needed (shown to the owner).");
ABSL_FLAG(std::string, accept, "", "Accept the incoming request with this id.");
ABSL_FLAG(std::string, decline, "", "Decline the incoming request with this id.");
ABSL_FLAG(std::string, message, "",
          "Reply to the requester (e.g. whom to call). Keep personal data out.");

namespace fedlink::cli {
namespace {

constexpr absl::Duration kDeadline = absl::Seconds(10);
constexpr absl::Duration kPrumWindow = absl::Hours(48);

std::string Ago(absl::Time then, absl::Time now) {
  const int64_t minutes = absl::ToInt64Minutes(now - then);
  if (minutes < 60) return absl::StrCat(minutes, "m ago");
  return absl::StrCat(minutes / 60, "h", minutes % 60, "m ago");
}

std::string PrumNote(absl::Time hit_at, absl::Time now) {
  const absl::Duration left = hit_at + kPrumWindow - now;
  if (left <= absl::ZeroDuration()) return "48h window passed";
  return absl::StrCat(absl::ToInt64Hours(left), "h left of 48h");
}

absl::StatusOr<std::unique_ptr<followup::FollowupStore>> OpenFollowups(
    const PeerSession& s) {
  return followup::FollowupStore::Open(s.node->paths.followup_db());
}

int RunContact(const std::vector<std::string>& args) {
  auto session = OpenPeerSession(absl::GetFlag(FLAGS_dir));
  if (!session.ok()) return ReportError("contact", session.status());
  const std::string peer = absl::GetFlag(FLAGS_peer),
                    handle = absl::GetFlag(FLAGS_handle),
                    reason = absl::GetFlag(FLAGS_reason);
  if (peer.empty() || handle.empty() || reason.empty()) {
    return ReportError("contact", absl::InvalidArgumentError(
                                      "--peer, --handle and --reason are required"));
  }
  auto owners = session->Peers(peer, false);
  if (!owners.ok()) return ReportError("contact", owners.status());
  auto store = OpenFollowups(*session);
  if (!store.ok()) return ReportError("contact", store.status());
  auto hit = (*store)->FindHit(peer, handle);
  if (!hit.ok()) return ReportError("contact", hit.status());
  if (!hit->has_value()) {
    return ReportError("contact", absl::InvalidArgumentError(absl::StrCat(
                                      "no match with handle ", handle, " from ", peer,
                                      " (run `fedlink match` first)")));
  }
  // Consent governs follow-ups too: nothing about a survivor's record leaves
  // the node without consent for the purpose.
  auto own = session->node->store->Get((*hit)->own_id);
  if (!own.ok()) return ReportError("contact", own.status());
  const absl::Time now = absl::Now();
  if (!own->has_value() || !UsableForOutboundQuery(**own, (*hit)->purpose, now)) {
    return ReportError("contact", absl::FailedPreconditionError(absl::StrCat(
                                      "the record behind this match is gone or no longer "
                                      "consents to ", (*hit)->purpose)));
  }
  std::string id(8, '\0');
  randombytes_buf(id.data(), id.size());
  followup::Contact c;
  c.id = absl::StrCat("c", absl::BytesToHexString(id));
  c.peer = peer;
  c.handle = handle;
  c.own_id = (*hit)->own_id;
  c.purpose = (*hit)->purpose;
  c.reason = reason;
  c.hit_at = (*hit)->found_at;
  c.created_at = now;
  auto log = OpenCommandAudit(*session->node);
  if (!log.ok()) return ReportError("contact", log.status());
  if (auto s = followup::SendContact(session->self(), owners->front(), c, kDeadline,
                                     log->get());
      !s.ok()) {
    return ReportError("contact", s);
  }
  if (auto s = (*store)->AddOutgoing(c); !s.ok()) return ReportError("contact", s);
  std::cout << "contact request " << c.id << " sent to " << peer << " about " << handle
            << " (hit " << Ago(c.hit_at, now) << "; " << PrumNote(c.hit_at, now) << ")\n";
  return kExitOk;
}

int Decide(PeerSession& session, followup::FollowupStore& store, const std::string& id,
           bool accept) {
  auto incoming = store.FindIncoming(id);
  if (!incoming.ok()) return ReportError("inbox", incoming.status());
  const followup::Contact* found = incoming->has_value() ? &**incoming : nullptr;
  if (found == nullptr) {
    return ReportError("inbox", absl::InvalidArgumentError(
                                    absl::StrCat("no incoming contact request ", id)));
  }
  if (found->status != followup::ContactStatus::kPending) {
    return ReportError("inbox", absl::FailedPreconditionError(absl::StrCat(
                                    id, " was already ", ContactStatusName(found->status))));
  }
  const federation::Member* requester = session.roster->Find(found->peer);
  if (requester == nullptr) {
    return ReportError("inbox", absl::FailedPreconditionError(absl::StrCat(
                                    found->peer, " is no longer a roster member")));
  }
  followup::Contact decided = *found;
  decided.status = accept ? followup::ContactStatus::kAccepted
                          : followup::ContactStatus::kDeclined;
  decided.reply = absl::GetFlag(FLAGS_message);
  auto log = OpenCommandAudit(*session.node);
  if (!log.ok()) return ReportError("inbox", log.status());
  // Deliver first: a reply that did not reach the requester changes nothing.
  if (auto s = followup::SendReply(session.self(), *requester, decided, kDeadline,
                                   log->get());
      !s.ok()) {
    return ReportError("inbox", s);
  }
  auto recorded = store.Decide(id, accept, decided.reply, absl::Now());
  if (!recorded.ok()) return ReportError("inbox", recorded.status());
  std::cout << id << " " << ContactStatusName(recorded->status) << "; " << found->peer
            << " notified\n";
  return kExitOk;
}

int RunInbox(const std::vector<std::string>& args) {
  auto session = OpenPeerSession(absl::GetFlag(FLAGS_dir));
  if (!session.ok()) return ReportError("inbox", session.status());
  auto store = OpenFollowups(*session);
  if (!store.ok()) return ReportError("inbox", store.status());
  const std::string accept = absl::GetFlag(FLAGS_accept),
                    decline = absl::GetFlag(FLAGS_decline);
  if (!accept.empty() && !decline.empty()) {
    return ReportError("inbox", absl::InvalidArgumentError(
                                    "give --accept or --decline, not both"));
  }
  if (!accept.empty()) return Decide(*session, **store, accept, true);
  if (!decline.empty()) return Decide(*session, **store, decline, false);

  const absl::Time now = absl::Now();
  auto incoming = (*store)->Incoming();
  if (!incoming.ok()) return ReportError("inbox", incoming.status());
  auto outgoing = (*store)->Outgoing();
  if (!outgoing.ok()) return ReportError("inbox", outgoing.status());
  std::cout << "incoming (" << incoming->size() << "):\n";
  for (const auto& c : *incoming) {
    std::cout << absl::StrFormat(
        "  %s from %s about %s (%s) purpose=%s status=%s hit=%s (%s) reason=\"%s\"%s\n",
        c.id, c.peer, c.own_id, c.handle, c.purpose, ContactStatusName(c.status),
        Ago(c.hit_at, now),
        c.status == followup::ContactStatus::kPending ? PrumNote(c.hit_at, now)
                                                      : "answered",
        absl::CEscape(c.reason),
        c.reply.empty() ? "" : absl::StrCat(" reply=\"", absl::CEscape(c.reply), "\""));
  }
  auto notices = (*store)->Notices();
  if (!notices.ok()) return ReportError("inbox", notices.status());
  // Summarised per peer and purpose (`records show` names them per record).
  std::map<std::pair<std::string, std::string>, std::pair<size_t, absl::Time>> by_peer;
  for (const auto& n : *notices) {
    auto& [count, latest] = by_peer[{n.peer, n.purpose}];
    ++count;
    latest = std::max(latest, n.at);
  }
  std::cout << "match notices (" << notices->size() << "):\n";
  for (const auto& [key, value] : by_peer) {
    std::cout << "  " << key.first << " matched " << value.first << " of our records for "
              << key.second << " (latest " << Ago(value.second, now)
              << "; `fedlink records show` per record)\n";
  }
  std::cout << "outgoing (" << outgoing->size() << "):\n";
  for (const auto& c : *outgoing) {
    std::cout << absl::StrFormat(
        "  %s to %s about %s (our %s) purpose=%s status=%s hit=%s reason=\"%s\"%s\n", c.id,
        c.peer, c.handle, c.own_id, c.purpose, ContactStatusName(c.status),
        Ago(c.hit_at, now), absl::CEscape(c.reason),
        c.reply.empty() ? "" : absl::StrCat(" reply=\"", absl::CEscape(c.reply), "\""));
  }
  return kExitOk;
}

FEDLINK_COMMAND(
    "contact",
    "  fedlink contact --dir DIR --peer ID --handle H --reason TEXT\n"
    "                  [--legal-basis REF] [--official ID]\n\n"
    "Asks the owner of handle H (from a `fedlink match` or `lookup` result)\n"
    "for contact about the match. Refused if the matched own record no\n"
    "longer consents to the purpose.",
    "send a follow-up contact request about a match",
    {"dir", "peer", "handle", "reason", "legal_basis", "official"}, RunContact);
FEDLINK_COMMAND(
    "inbox",
    "  fedlink inbox --dir DIR\n"
    "  fedlink inbox --dir DIR --accept ID [--message TEXT]\n"
    "  fedlink inbox --dir DIR --decline ID [--message TEXT]\n\n"
    "Lists contact requests received (with the own record they are about and\n"
    "the time since the hit) and sent (with the owners' answers); or accepts\n"
    "or declines a received request, notifying the requester.",
    "contact requests received and sent; accept or decline",
    {"dir", "accept", "decline", "message", "official"}, RunInbox);

}  // namespace
}  // namespace fedlink::cli
