#include "node/app/audit_followups.h"

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/followup.pb.h"

namespace fedlink::app {

absl::string_view FollowupStateName(FollowupState state) {
  switch (state) {
    case FollowupState::kAnswered:
      return "answered in time";
    case FollowupState::kLate:
      return "answered late";
    case FollowupState::kOverdue:
      return "never answered";
    case FollowupState::kOpen:
      return "open";
    case FollowupState::kRefused:
      return "refused";
  }
  return "?";
}

std::string ReceiptId(absl::string_view peer_signed) {
  if (peer_signed.empty()) return "";
  auto envelope = crypto::envelope::Parse(peer_signed);
  if (!envelope.ok() || envelope->context != "fedlink.v1.FollowupReceipt") return "";
  fedlink::v1::FollowupReceipt receipt;
  if (!receipt.ParseFromString(envelope->body)) return "";
  return receipt.id();
}

namespace {

// Exchange id -> the follow-up id the peer's receipt names, from every
// sender's entry that kept one.
std::map<std::string, std::string> IdsByExchange(const AuditReview& review) {
  std::map<std::string, std::string> ids;
  for (const auto& [node, entries] : review.entries) {
    for (const ExportedEntry& e : entries) {
      if (!absl::StartsWith(e.event, "followup.") || e.exchange_id.empty()) continue;
      std::string id = ReceiptId(e.peer_signed);
      if (!id.empty()) ids[e.exchange_id] = std::move(id);
    }
  }
  return ids;
}

std::string KeyOf(const std::map<std::string, std::string>& ids, const ExportedEntry& e) {
  const auto it = ids.find(e.exchange_id);
  return it != ids.end() ? it->second : absl::StrCat("exchange ", e.exchange_id.substr(0, 16));
}

}  // namespace

std::vector<ContactFollowup> ContactFollowups(const AuditReview& review, absl::Time now) {
  const std::map<std::string, std::string> ids = IdsByExchange(review);
  std::map<std::string, ContactFollowup> by_id;
  // Replies first seen by exchange: the reply's exchange -> contact id.
  for (const auto& [node, entries] : review.entries) {
    for (size_t i = 0; i < entries.size(); ++i) {
      const ExportedEntry& e = entries[i];
      const bool request =
          e.event == "followup.contact.sent" || e.event == "followup.contact.received";
      const bool reply = e.event == "followup.contact.accepted" ||
                         e.event == "followup.contact.declined" ||
                         e.event == "followup.reply.received";
      if ((!request && !reply) || !e.tls_peer.empty()) continue;
      ContactFollowup& f = by_id[KeyOf(ids, e)];
      f.contact_id = KeyOf(ids, e);
      f.entries.push_back({node, i});
      if (request) {
        f.requester = e.requester;
        f.owner = e.responder;
        f.purpose = e.purpose;
        if (f.legal_basis.empty()) f.legal_basis = e.legal_basis;
        if (f.official.empty()) f.official = e.official;
        if (f.requested_micros == 0 || e.time_unix_micros < f.requested_micros) {
          f.requested_micros = e.time_unix_micros;
        }
        if (e.outcome != "ok" && f.request_outcome.empty()) f.request_outcome = e.outcome;
      } else if (e.outcome == "ok") {
        if (f.replied_micros == 0 || e.time_unix_micros < f.replied_micros) {
          f.replied_micros = e.time_unix_micros;
        }
        if (e.event != "followup.reply.received") {
          f.decision = absl::EndsWith(e.event, "accepted") ? "accepted" : "declined";
        } else if (f.decision.empty()) {
          f.decision = "replied";
        }
      }
    }
  }
  std::vector<ContactFollowup> out;
  for (auto& [id, f] : by_id) {
    if (f.requested_micros == 0) continue;  // a reply whose request is in no log given
    const absl::Duration waited = f.replied_micros != 0
                                      ? absl::Microseconds(f.replied_micros - f.requested_micros)
                                      : now - absl::FromUnixMicros(f.requested_micros);
    if (!f.request_outcome.empty()) {
      f.state = FollowupState::kRefused;
    } else if (f.replied_micros != 0) {
      f.state = waited <= kReplyWindow ? FollowupState::kAnswered : FollowupState::kLate;
    } else {
      f.state = waited > kReplyWindow ? FollowupState::kOverdue : FollowupState::kOpen;
    }
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](const ContactFollowup& a, const ContactFollowup& b) {
    return a.requested_micros < b.requested_micros;
  });
  return out;
}

std::vector<RevocationFollowup> RevocationFollowups(const AuditReview& review) {
  const std::map<std::string, std::string> ids = IdsByExchange(review);
  std::map<std::string, RevocationFollowup> by_id;
  for (const auto& [node, entries] : review.entries) {
    for (size_t i = 0; i < entries.size(); ++i) {
      const ExportedEntry& e = entries[i];
      const bool sent = e.event == "followup.revocation.sent";
      if ((!sent && e.event != "followup.revocation.received") || !e.tls_peer.empty()) continue;
      RevocationFollowup& r = by_id[KeyOf(ids, e)];
      r.notice_id = KeyOf(ids, e);
      r.owner = e.requester;
      r.peer = e.responder;
      r.peer_log_reviewed = review.entries.count(e.responder) > 0;
      r.entries.push_back({node, i});
      if (sent) {
        ++r.attempts;
        if (r.sent_micros == 0 || e.time_unix_micros < r.sent_micros) {
          r.sent_micros = e.time_unix_micros;
        }
        if (e.outcome == "ok" && !ReceiptId(e.peer_signed).empty()) r.acknowledged = true;
      } else if (e.outcome == "ok") {
        r.received_in_peer_log = true;
        if (r.sent_micros == 0) r.sent_micros = e.time_unix_micros;
      }
    }
  }
  std::vector<RevocationFollowup> out;
  for (auto& [id, r] : by_id) out.push_back(std::move(r));
  std::sort(out.begin(), out.end(), [](const RevocationFollowup& a, const RevocationFollowup& b) {
    return a.sent_micros < b.sent_micros;
  });
  return out;
}

}  // namespace fedlink::app
