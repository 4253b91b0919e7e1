#include "node/common/node_paths.h"
#include "node/cli/consent.h"

#include <sodium.h>
#include <sys/stat.h>

#include <iostream>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/cli/command.h"
#include "node/cli/command_audit.h"
#include "node/federation/peer_client.h"
#include "node/federation/roster.h"
#include "node/followup/followup_client.h"
#include "node/followup/followup_store.h"
#include "node/match/keyspec.h"
#include "node/private_match/responder.h"
#include "policy/policy.h"

namespace fedlink::cli {
namespace {

constexpr absl::Duration kDeadline = absl::Seconds(10);

std::string Timestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string RandomId(absl::string_view prefix) {
  std::string bytes(8, '\0');
  randombytes_buf(bytes.data(), bytes.size());
  return absl::StrCat(prefix, absl::BytesToHexString(bytes));
}

// Sends the given notices; returns how many were acknowledged.
int SendNotices(const OpenedNode& node, followup::FollowupStore& store,
                const std::vector<followup::FollowupStore::Revocation>& notices,
                audit::AuditLog* log, int* pending) {
  *pending = 0;
  if (notices.empty()) return 0;
  auto roster = federation::LoadInstalledRoster(node.paths, absl::Now());
  auto tls = tls::Load(node.paths.dir);
  int acked = 0;
  for (const auto& r : notices) {
    absl::Status s;
    const federation::Member* peer = roster.ok() ? roster->Find(r.peer) : nullptr;
    if (!roster.ok()) {
      s = roster.status();
    } else if (!tls.ok()) {
      s = tls.status();
    } else if (peer == nullptr) {
      s = absl::FailedPreconditionError("no longer a roster member");
    } else {
      federation::Self self{node.config.node_id, node.identity.get(), *tls, nullptr};
      s = followup::SendRevocation(self, *peer, r, kDeadline, log);
    }
    if (s.ok()) s = store.AckRevocation(r.id, absl::Now());
    if (s.ok()) {
      ++acked;
      std::cout << "  revocation notice to " << r.peer << ": acknowledged\n";
    } else {
      ++*pending;
      std::cout << "  revocation notice to " << r.peer << ": pending ("
                << absl::StatusCodeToString(s.code()) << ": " << s.message() << ")\n";
    }
  }
  return acked;
}

}  // namespace

int WithdrawConsent(const std::string& dir, const std::string& external_id) {
  auto node = OpenNode(dir, {.load_identity = true});
  if (!node.ok()) return ReportError("records", node.status());
  auto record = (*node)->store->Get(external_id);
  if (!record.ok()) return ReportError("records", record.status());
  if (!record->has_value()) {
    return ReportError("records",
                       absl::InvalidArgumentError("no record with that external_id"));
  }
  auto log = OpenCommandAudit(**node);
  if (!log.ok()) return ReportError("records", log.status());
  Person p = **record;
  p.consent.clear();
  p.consent_expires_at = 0;
  // Re-key after the change: the record's entries in every table a peer
  // cached were made under the old key, so they no longer match anything.
  absl::Status s = (*node)->store->Upsert({p}).status();
  if (s.ok()) s = private_match::Keyring::Rekey((*node)->paths);
  audit::Event entry;  // no record id: the withdrawal itself is not personal data
  entry.event = "consent.withdraw";
  entry.requester = (*node)->config.node_id;
  entry.count = 1;
  entry.outcome = OutcomeOf(s);
  entry.detail = "record removed from every table; OPRF keys re-keyed";
  if (auto logged = (*log)->Append(entry); !logged.ok()) return ReportError("records", logged.status());
  if (!s.ok()) return ReportError("records", s);
  std::cout << "consent withdrawn for " << external_id
            << "; the node re-keyed: every peer's cached table is void, the record is "
               "in no new table\n";

  auto store = followup::FollowupStore::Open((*node)->paths.followup_db());
  if (!store.ok()) return ReportError("records", store.status());
  std::vector<followup::FollowupStore::Revocation> notices;
  std::set<std::string> seen;
  const absl::Time now = absl::Now();
  auto add = [&](const std::string& peer, const std::string& handle,
                 const std::string& contact_id) -> absl::Status {
    if (!seen.insert(absl::StrCat(peer, "|", handle, "|", contact_id)).second)
      return absl::OkStatus();
    followup::FollowupStore::Revocation r;
    r.id = RandomId("r");
    r.own_id = external_id;
    r.peer = peer;
    r.handle = handle;
    r.contact_id = contact_id;
    r.created_at = now;
    if (auto s = (*store)->AddRevocation(r); !s.ok()) return s;
    notices.push_back(std::move(r));
    return absl::OkStatus();
  };
  auto incoming = (*store)->Incoming();
  if (!incoming.ok()) return ReportError("records", incoming.status());
  for (const auto& c : *incoming) {
    if (c.own_id != external_id) continue;
    if (auto s = add(c.peer, c.handle, ""); !s.ok()) return ReportError("records", s);
  }
  auto outgoing = (*store)->Outgoing();
  if (!outgoing.ok()) return ReportError("records", outgoing.status());
  for (const auto& c : *outgoing) {
    if (c.own_id != external_id) continue;
    if (auto s = add(c.peer, "", c.id); !s.ok()) return ReportError("records", s);
  }
  int pending = 0;
  const int acked = SendNotices(**node, **store, notices, log->get(), &pending);
  std::cout << "revocation notices (GDPR Art. 19): " << notices.size() << " owed, " << acked
            << " acknowledged, " << pending << " pending\n";
  if (pending > 0) {
    std::cerr << "records: " << pending
              << " peers did not acknowledge; retry with `fedlink records --dir DIR "
                 "notify-revocations`\n";
    return kExitFailure;
  }
  return kExitOk;
}

int NotifyRevocations(const std::string& dir) {
  auto node = OpenNode(dir, {.load_identity = true});
  if (!node.ok()) return ReportError("records", node.status());
  auto store = followup::FollowupStore::Open((*node)->paths.followup_db());
  if (!store.ok()) return ReportError("records", store.status());
  auto log = OpenCommandAudit(**node);
  if (!log.ok()) return ReportError("records", log.status());
  auto pending_notices = (*store)->PendingRevocations();
  if (!pending_notices.ok()) return ReportError("records", pending_notices.status());
  int pending = 0;
  const int acked = SendNotices(**node, **store, *pending_notices, log->get(), &pending);
  std::cout << "revocation notices: " << acked << " acknowledged, " << pending
            << " still pending\n";
  return pending > 0 ? kExitFailure : kExitOk;
}

void PrintSharingHistory(const OpenedNode& node, const Person& record) {
  const std::string& id = record.external_id;
  std::cout << "sharing history:\n";
  auto store = followup::FollowupStore::Open(node.paths.followup_db());
  if (!store.ok()) {
    std::cout << "  (unavailable: " << store.status().message() << ")\n";
    return;
  }
  int lines = 0;
  if (auto hits = (*store)->HitsFor(id); hits.ok()) {
    for (const auto& h : *hits) {
      std::cout << "  " << Timestamp(h.found_at) << " matched at " << h.peer << " (their "
                << h.handle << ") for " << h.purpose << ", score " << h.score << "\n";
      ++lines;
    }
  }
  if (auto in = (*store)->Incoming(); in.ok()) {
    for (const auto& c : *in) {
      if (c.own_id != id) continue;
      std::cout << "  " << Timestamp(c.created_at) << " " << c.peer
                << " asked for contact about it (" << c.id << ", " << c.purpose
                << "): " << followup::ContactStatusName(c.status) << "\n";
      ++lines;
    }
  }
  if (auto out = (*store)->Outgoing(); out.ok()) {
    for (const auto& c : *out) {
      if (c.own_id != id) continue;
      std::cout << "  " << Timestamp(c.created_at) << " we asked " << c.peer
                << " for contact about their " << c.handle << " (" << c.id << ", "
                << c.purpose << "): " << followup::ContactStatusName(c.status) << "\n";
      ++lines;
    }
  }
  if (auto notices = (*store)->Notices(); notices.ok()) {
    for (const auto& n : *notices) {
      if (n.own_id != id) continue;
      std::cout << "  " << Timestamp(n.at) << " " << n.peer << " matched it for " << n.purpose
                << " (mutual notice)\n";
      ++lines;
    }
  }
  if (auto revocations = (*store)->Revocations(id); revocations.ok()) {
    for (const auto& r : *revocations) {
      std::cout << "  " << Timestamp(r.created_at) << " revocation notice to " << r.peer
                << ": "
                << (r.acked_at == absl::InfinitePast()
                        ? std::string("pending")
                        : absl::StrCat("acknowledged ", Timestamp(r.acked_at)))
                << "\n";
      ++lines;
    }
  }
  if (lines == 0) std::cout << "  nothing was shared about this record\n";

  // Who the policy shares it with now.
  std::cout << "shared now:\n";
  struct stat st;
  const std::string policy_path = node.paths.policy();
  auto roster = federation::LoadInstalledRoster(node.paths, absl::Now());
  if (stat(policy_path.c_str(), &st) != 0 || !roster.ok()) {
    std::cout << "  with nobody (" << (roster.ok() ? "no policy" : "no roster") << ")\n";
    return;
  }
  auto policy = policy::Policy::Load(policy_path, keyspec::KeyTypeNames());
  if (!policy.ok()) {
    std::cout << "  (policy unreadable: " << policy.status().message() << ")\n";
    return;
  }
  int shared = 0;
  for (const auto& m : roster->members()) {
    if (m.node_id == node.config.node_id) continue;
    auto role = ParseNodeRole(m.role);
    if (!role.ok()) continue;
    for (const std::string& purpose : (*policy)->purposes()) {
      const policy::Rule* rule = (*policy)->Find({m.node_id, *role}, purpose);
      if (rule == nullptr) continue;
      const auto d = (*policy)->Decide(*rule, record, absl::Now());
      if (!d.shared) continue;
      std::cout << "  with " << m.node_id << " for " << purpose << " (rule '" << rule->name
                << "', " << policy::PayloadName(rule->payload) << ")\n";
      ++shared;
    }
  }
  if (shared == 0) std::cout << "  with nobody\n";
}

}  // namespace fedlink::cli
