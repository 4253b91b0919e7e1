#include "node/app/audit_review.h"

#include <sodium.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/checkpoint.h"
#include "crypto/identity.h"
#include "crypto/signed_note.h"
#include "fedlink/v1/audit.pb.h"
#include "node/common/status_macros.h"

namespace fedlink::app {
namespace {

std::string HexSha256(absl::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

// What a verified export says of itself beyond its entries: its last
// checkpoint (size and root, as signed) and how far each witness cosigned.
void DescribeCheckpoints(const fedlink::v1::AuditExport& head, LogReview* log) {
  if (head.checkpoints_size() > 0) {
    auto note = crypto::note::Parse(head.checkpoints(head.checkpoints_size() - 1));
    if (note.ok()) {
      auto body = crypto::checkpoint::Checkpoint::ParseBody(note->text);
      if (body.ok()) {
        log->last_checkpoint_size = body->size;
        log->last_checkpoint_root = absl::Base64Escape(body->root_hash);
      }
    }
  }
  for (const auto& c : head.cosigned()) {
    auto witness = crypto::Verifier::Parse(c.witness_vkey());
    if (!witness.ok()) continue;
    uint64_t& up_to = log->cosigned_up_to[witness->name];
    up_to = std::max<uint64_t>(up_to, c.size());
  }
}

}  // namespace

ExportedEntry DecodeEntry(const std::string& serialized) {
  fedlink::v1::AuditEntry e;
  e.ParseFromString(serialized);
  ExportedEntry out;
  out.time_unix_micros = e.time_unix_micros();
  out.event = e.event();
  out.requester = e.requester();
  out.responder = e.responder();
  out.exchange_id = e.exchange_id();
  out.purpose = e.purpose();
  out.legal_basis = e.legal_basis();
  out.official = e.official();
  out.count = e.count();
  out.hits = e.hits();
  out.outcome = e.outcome();
  out.request_sha256 = e.request_sha256();
  out.answer_sha256 = e.answer_sha256();
  out.peer_signed = e.peer_signed();
  out.detail = e.detail();
  out.tls_peer = e.tls_peer();
  out.content_commitment = e.content_commitment();
  return out;
}

namespace {

// Each exchange logged by both of its nodes must appear in both logs with
// the same signed request bytes.
void Join(AuditReview* review) {
  struct Side {
    std::string node;
    size_t index;
    const ExportedEntry* entry;
  };
  std::map<std::string, std::vector<Side>> by_exchange;
  for (const auto& [node, entries] : review->entries) {
    for (size_t i = 0; i < entries.size(); ++i) {
      if (!entries[i].exchange_id.empty())
        by_exchange[entries[i].exchange_id].push_back({node, i, &entries[i]});
    }
  }
  int pairs = 0;
  for (const auto& [exchange, sides] : by_exchange) {
    for (const Side& e : sides) {
      const std::string other =
          e.node == e.entry->requester ? e.entry->responder : e.entry->requester;
      if (other.empty() || other == e.node || review->entries.count(other) == 0) continue;
      const Side* match = nullptr;
      for (const Side& o : sides) {
        if (o.node == other) match = &o;
      }
      if (match == nullptr) {
        review->orphans.push_back({e.node, e.index, other});
        review->anomalies.push_back(
            absl::StrCat("orphan: ", e.node, " entry ", e.index, " (", e.entry->event,
                         ", exchange ", exchange.substr(0, 16), ") has no entry at ", other));
      } else if (match->entry->request_sha256 != e.entry->request_sha256) {
        review->anomalies.push_back(absl::StrCat("mismatch: ", e.node, " entry ", e.index, " and ",
                                                 other, " entry ", match->index,
                                                 " disagree on the signed request bytes"));
      } else {
        ++pairs;
      }
    }
  }
  review->joined = pairs / 2;
}

}  // namespace

bool AuditReview::ok() const {
  for (const LogReview& l : logs) {
    if (!l.ok) return false;
  }
  return anomalies.empty();
}

AuditReview ReviewExports(const std::vector<ExportFile>& exports,
                          const federation::Roster* roster) {
  AuditReview review;
  review.roster_checked = roster != nullptr;
  if (roster != nullptr) review.roster_version = roster->version();
  std::map<std::string, std::string> witness_vkeys;
  if (roster != nullptr) {
    for (const auto& m : roster->members()) {
      witness_vkeys[m.node_id] = m.identity_vkey;
      review.roles[m.node_id] = m.role;
    }
  }
  for (const ExportFile& file : exports) {
    LogReview log;
    log.path = file.name;
    log.sha256 = HexSha256(file.bytes);
    std::string expected_vkey;
    fedlink::v1::AuditExport head;
    head.ParseFromString(file.bytes);
    log.node_id = head.node_id();
    if (roster != nullptr) {
      const federation::Member* m = roster->Find(head.node_id());
      if (m == nullptr) {
        log.failure = absl::StrCat("node '", head.node_id(), "' is not in the roster");
        review.logs.push_back(log);
        continue;
      }
      expected_vkey = m->identity_vkey;
    }
    auto verified = audit::VerifyExport(file.bytes, expected_vkey, witness_vkeys);
    if (!verified.ok()) {
      log.failure = std::string(verified.status().message());
      review.logs.push_back(log);
      continue;
    }
    log.ok = true;
    log.entries = verified->entries;
    log.checkpoints = verified->checkpoints;
    log.witnesses = verified->witnesses;
    log.identity_vkeys = verified->identity_vkeys;
    // Cosigned by a member with an identity key it has since rotated.
    for (const std::string& w : verified->witnesses_by_other_keys) {
      log.witnesses.push_back(absl::StrCat(w, " (earlier key)"));
    }
    DescribeCheckpoints(head, &log);
    auto& entries = review.entries[verified->node_id];
    for (const std::string& e : verified->serialized_entries) entries.push_back(DecodeEntry(e));
    if (!entries.empty()) {
      log.first_time_unix_micros = entries.front().time_unix_micros;
      log.last_time_unix_micros = entries.back().time_unix_micros;
    }
    review.logs.push_back(std::move(log));
  }
  if (review.entries.size() >= 2) Join(&review);
  return review;
}

absl::StatusOr<std::vector<ExportedEntry>> VerifiedEntries(absl::string_view export_bytes) {
  ASSIGN_OR_RETURN(const audit::VerifiedExport verified, audit::VerifyExport(export_bytes));
  std::vector<ExportedEntry> entries;
  entries.reserve(verified.serialized_entries.size());
  for (const std::string& e : verified.serialized_entries) entries.push_back(DecodeEntry(e));
  return entries;
}

}  // namespace fedlink::app
