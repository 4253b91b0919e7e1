// Access logs generated for tests of the auditor's report: entries as the
// nodes write them, built exchange by exchange, with a clock of days and
// hours from a Monday.
#ifndef FEDLINK_NODE_APP_TEST_AUDIT_LOGS_H_
#define FEDLINK_NODE_APP_TEST_AUDIT_LOGS_H_

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "crypto/identity.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/followup.pb.h"
#include "node/app/audit_review.h"

namespace fedlink::app::testing {

// 2026-03-02 was a Monday.
inline constexpr int64_t kMonday = 1'772'409'600;  // 2026-03-02 00:00:00 UTC
inline int64_t At(int day, int hour, int minute = 0) {
  return (kMonday + day * 86400 + hour * 3600 + minute * 60) * 1'000'000;
}

// Builds the logs of a review, entry by entry, as the nodes would write them.
class Logs {
 public:
  // A batch of `n` evaluations `requester` asked `responder` for, in both
  // logs (the responder's entry names the key types).
  Logs& Evaluate(const std::string& requester, const std::string& responder, uint64_t n,
                 int64_t micros, const std::string& key_types = "name_dob=1 phone=1",
                 const std::string& purpose = "victim-dedup") {
    ExportedEntry e = Base(requester, responder, purpose, micros);
    e.event = "match.evaluate.answered";
    e.count = n;
    e.detail = absl::StrCat("budget left 1000; table t; key types ", key_types);
    Add(responder, e);
    e.event = "match.evaluate.sent";
    e.detail = "";
    Add(requester, e);
    return *this;
  }
  Logs& Refused(const std::string& requester, const std::string& responder, int64_t micros,
                const std::string& outcome, const std::string& event = "match.evaluate.refused") {
    ExportedEntry e = Base(requester, responder, "victim-dedup", micros);
    e.event = event;
    e.outcome = outcome;
    Add(responder, e);
    return *this;
  }
  // An exchange only the requester logged.
  Logs& OnlyAtRequester(const std::string& requester, const std::string& responder,
                        int64_t micros) {
    ExportedEntry e = Base(requester, responder, "victim-dedup", micros);
    e.event = "match.table.fetched";
    Add(requester, e);
    if (review_.entries.count(responder) == 0) review_.entries[responder] = {};
    review_.orphans.push_back({requester, review_.entries[requester].size() - 1, responder});
    return *this;
  }
  Logs& Table(const std::string& requester, const std::string& responder, int64_t micros,
              const std::string& purpose) {
    ExportedEntry e = Base(requester, responder, purpose, micros);
    e.event = "match.table.served";
    Add(responder, e);
    return *this;
  }
  // `requester` asks `owner` for contact at `micros`; `owner` answers at
  // `reply_micros` (0: never). Receipts signed by a key of the peer's name.
  Logs& Contact(const std::string& requester, const std::string& owner, const std::string& id,
                int64_t micros, int64_t reply_micros) {
    ExportedEntry e = Base(requester, owner, "victim-dedup", micros);
    e.event = "followup.contact.sent";
    e.peer_signed = Receipt(owner, id);
    Add(requester, e);
    e.event = "followup.contact.received";
    e.peer_signed = "";
    Add(owner, e);
    if (reply_micros == 0) return *this;
    ExportedEntry r = Base(owner, requester, "victim-dedup", reply_micros);
    r.event = "followup.contact.accepted";
    r.peer_signed = Receipt(requester, id);
    Add(owner, r);
    r.event = "followup.reply.received";
    r.peer_signed = "";
    Add(requester, r);
    return *this;
  }
  // `owner` sends a revocation notice to `peer`; acknowledged or not.
  Logs& Revocation(const std::string& owner, const std::string& peer, const std::string& id,
                   int64_t micros, bool acknowledged) {
    ExportedEntry e = Base(owner, peer, "consent-withdrawal", micros);
    e.event = "followup.revocation.sent";
    if (acknowledged) {
      e.peer_signed = Receipt(peer, id);
    } else {
      e.outcome = "UNAVAILABLE: connection refused";
    }
    Add(owner, e);
    if (acknowledged) {
      e.event = "followup.revocation.received";
      e.peer_signed = "";
      Add(peer, e);
    }
    return *this;
  }
  // Any entry, in `node`'s log.
  Logs& Entry(const std::string& node, ExportedEntry e) {
    if (e.exchange_id.empty()) e.exchange_id = absl::StrCat("x", ++exchanges_);
    Add(node, e);
    return *this;
  }
  Logs& Role(const std::string& node, const std::string& role) {
    review_.roles[node] = role;
    return *this;
  }
  const AuditReview& review() const { return review_; }
  AuditReview& mutable_review() { return review_; }

 private:
  ExportedEntry Base(const std::string& requester, const std::string& responder,
                     const std::string& purpose, int64_t micros) {
    ExportedEntry e;
    e.requester = requester;
    e.responder = responder;
    e.purpose = purpose;
    e.legal_basis = "CASE-1";
    e.official = "officer-1";
    e.time_unix_micros = micros;
    e.exchange_id = absl::StrCat("x", ++exchanges_);
    return e;
  }
  void Add(const std::string& node, const ExportedEntry& e) { review_.entries[node].push_back(e); }
  static std::string Receipt(const std::string& signer, const std::string& id) {
    auto key = crypto::SigningKey::Generate(signer);
    fedlink::v1::FollowupReceipt r;
    r.set_request_sha256(std::string(32, 'd'));
    r.set_id(id);
    return crypto::envelope::Seal(**key, "fedlink.v1.FollowupReceipt", r.SerializeAsString())
        .value();
  }

  AuditReview review_;
  int exchanges_ = 0;
};

}  // namespace fedlink::app::testing

#endif  // FEDLINK_NODE_APP_TEST_AUDIT_LOGS_H_
