#include "node/cli/result_csv.h"

#include "absl/time/time.h"
#include "node/common/csv_writer.h"

namespace fedlink::cli {

using common::CsvQuoting;
using common::CsvWriter;

std::string OwnMatchesCsv(const std::vector<app::OwnMatch>& matches) {
  CsvWriter csv({"own_id", "peer", "handle", "score", "keys", "role", "threshold"});
  for (const app::OwnMatch& m : matches) {
    csv.OwnField(m.own_id).Field(m.peer).Field(m.handle).Number(m.score).Field(m.keys).Field(
        m.role);
    csv.Number(m.threshold);
    csv.EndRow();
  }
  return csv.TakeText();
}

std::string CandidatesCsv(const std::vector<app::Candidate>& candidates) {
  CsvWriter csv({"peer", "handle", "score", "keys", "role", "officer", "threshold"});
  for (const app::Candidate& c : candidates) {
    csv.Field(c.peer).Field(c.handle).Number(c.score).Field(c.keys).Field(c.role).Field(c.officer);
    csv.Number(c.threshold);
    csv.EndRow();
  }
  return csv.TakeText();
}

std::string DuplicatePairsCsv(const std::vector<app::DuplicatePair>& pairs) {
  CsvWriter csv({"id_1", "id_2", "score", "keys"});
  for (const app::DuplicatePair& p : pairs) {
    csv.OwnField(p.id_1).OwnField(p.id_2).Number(p.score).OwnField(p.keys).EndRow();
  }
  return csv.TakeText();
}

std::string AuditEntriesCsv(const std::vector<app::ExportedEntry>& entries) {
  CsvWriter csv({"index", "time", "event", "requester", "responder", "purpose", "legal_basis",
                 "official", "count", "hits", "outcome", "exchange", "detail"});
  for (size_t i = 0; i < entries.size(); ++i) {
    const app::ExportedEntry& e = entries[i];
    csv.Integer(static_cast<int64_t>(i));
    csv.OwnField(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMicros(e.time_unix_micros),
                                  absl::UTCTimeZone()));
    csv.Field(e.event).Field(e.requester).Field(e.responder).Field(e.purpose);
    csv.Field(e.legal_basis).Field(e.official);
    csv.Integer(static_cast<int64_t>(e.count)).Integer(static_cast<int64_t>(e.hits));
    csv.Field(e.outcome, CsvQuoting::kAlways);
    csv.Field(e.exchange_id.substr(0, 16)).Field(e.detail, CsvQuoting::kAlways);
    csv.EndRow();
  }
  return csv.TakeText();
}

}  // namespace fedlink::cli
