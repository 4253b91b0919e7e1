#include "node/federation/signed_handler.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "crypto/signed_envelope.h"
#include "node/audit/exchange_event.h"
#include "node/common/logger.h"
#include "node/common/metrics.h"

namespace fedlink::federation {
namespace {

// One line for the operator per exchange, from the access-log entry (which
// never holds personal data; handles and content are left out here too):
// tables served and contact requests received at info, other answers at
// debug, refusals at warning (a spent budget as budget.exhausted).
void LogExchange(const audit::Event& entry, const absl::Status& outcome) {
  using common::LogLevel;
  const bool contact =
      absl::StartsWith(entry.event, "followup.") && absl::EndsWith(entry.event, ".received");
  LogLevel level = LogLevel::kDebug;
  std::string event = entry.event;
  if (!outcome.ok()) {
    level = LogLevel::kWarning;
    if (absl::IsResourceExhausted(outcome) && RefusalReason(outcome) != "too-large" &&
        !entry.purpose.empty()) {
      event = "budget.exhausted";
    }
  } else if (entry.event == "match.table.served" || contact) {
    level = LogLevel::kInfo;
  }
  if (!common::LogEnabled(level)) return;
  const std::string& peer = entry.requester.empty() ? entry.tls_peer : entry.requester;
  if (outcome.ok()) {
    common::Log(level, "peers", event,
                {{"peer", peer},
                 {"purpose", entry.purpose},
                 {"count", entry.count},
                 {"hits", entry.hits},
                 {"exchange", entry.exchange_id}});
  } else {
    common::Log(level, "peers", event,
                {{"peer", peer},
                 {"purpose", entry.purpose},
                 {"method", entry.event},
                 {"outcome", audit::OutcomeOf(outcome)},
                 {"exchange", entry.exchange_id}});
  }
}

// The exchange in the metrics (common/metrics.h): "match.table.served" is
// service "match", method "table", outcome "served".
void CountExchange(const audit::Event& entry, const absl::Status& outcome, absl::Duration elapsed) {
  common::Metrics& m = common::Metrics::Global();
  std::vector<std::string> parts = absl::StrSplit(entry.event, '.');
  const std::string service = parts.empty() ? entry.event : parts.front();
  const std::string outcome_name = parts.size() < 2 ? "" : parts.back();
  std::string method;
  for (size_t i = 1; i + 1 < parts.size(); ++i)
    absl::StrAppend(&method, i > 1 ? "." : "", parts[i]);
  const std::string& peer = entry.requester.empty() ? entry.tls_peer : entry.requester;
  m.Add("fedlink_rpc_total",
        {{"service", service}, {"method", method}, {"peer", peer}, {"outcome", outcome_name}});
  m.Observe("fedlink_rpc_duration_seconds", {{"service", service}, {"method", method}},
            absl::ToDoubleSeconds(elapsed));
  if (!outcome.ok()) {
    m.Add("fedlink_refusals_total",
          {{"peer", peer},
           {"purpose", entry.purpose},
           {"code", std::string(absl::StatusCodeToString(outcome.code()))}});
    return;
  }
  if (entry.event == "match.evaluate.answered") {
    m.Add("fedlink_evaluations_total", {{"peer", peer}, {"purpose", entry.purpose}},
          static_cast<double>(entry.count));
  } else if (entry.event == "match.table.served") {
    m.Add("fedlink_tables_served_total", {{"peer", peer}, {"purpose", entry.purpose}});
    m.Add("fedlink_table_records_served_total", {{"peer", peer}, {"purpose", entry.purpose}},
          static_cast<double>(entry.count));
  } else if (entry.event == "followup.contact.received") {
    m.Add("fedlink_contact_requests_received_total", {{"peer", peer}});
  }
}

}  // namespace

absl::Status ChunkWriter::WriteBody(const std::string& body) {
  ASSIGN_OR_RETURN(std::string sealed, crypto::envelope::Seal(*identity_, context_, body));
  return (*send_)(std::move(sealed));
}

absl::Status SignedHandler::TooLarge(const SignedMethod& method, size_t size) {
  return WithRefusalReason(
      absl::ResourceExhaustedError(absl::StrCat(method.request, " of ", size,
                                                " bytes exceeds this method's limit of ",
                                                method.max_envelope_bytes, " bytes")),
      "too-large");
}

audit::Event SignedHandler::StartEntry(const grpc::ServerContext& context,
                                       const SignedMethod& method, absl::string_view envelope,
                                       const absl::StatusOr<VerifiedRequest>& verified) const {
  if (!verified.ok()) {
    return audit::RefusalEvent(method.refused, identity_->name(), method.request, envelope,
                               auth_.TlsPeer(context), verified.status());
  }
  audit::Event entry = audit::ResponderEvent(method.answered, identity_->name(), *verified);
  if (method.note != nullptr) method.note(envelope, entry);
  return entry;
}

absl::StatusOr<Logged> SignedHandler::Log(const SignedMethod& method, const absl::Status& outcome,
                                          bool authenticated, audit::Event& entry,
                                          absl::Duration elapsed) const {
  entry.event = std::string(outcome.ok() ? method.answered : method.refused);
  if (authenticated) entry.outcome = audit::OutcomeOf(outcome);
  LogExchange(entry, outcome);
  CountExchange(entry, outcome, elapsed);
  if (audit_ == nullptr) {
    RETURN_IF_ERROR(outcome);
    return Logged{};
  }
  absl::StatusOr<uint64_t> index = audit_->Append(entry);
  if (!outcome.ok()) {
    if (method.refusal_needs_entry) RETURN_IF_ERROR(index);
    return outcome;
  }
  RETURN_IF_ERROR(index);
  return Logged{*index, audit_->LatestCheckpoint()};
}

absl::StatusOr<std::string> SignedHandler::Seal(const SignedMethod& method,
                                                const std::string& body) const {
  return crypto::envelope::Seal(*identity_, method.answer, body);
}

}  // namespace fedlink::federation
