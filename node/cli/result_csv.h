// The CSV the CLI writes for the application layer's results, all through
// common::CsvWriter (node/common/csv_writer.h): RFC 4180 quoting, control
// characters escaped, and text that peers chose (ids, handles, roles,
// officers, purposes, audit fields) guarded against formula injection. The
// node's own external ids and the numbers are written as they are. Each
// returns the header line and one line per result.
#ifndef FEDLINK_NODE_CLI_RESULT_CSV_H_
#define FEDLINK_NODE_CLI_RESULT_CSV_H_

#include <string>
#include <vector>

#include "node/app/audit_review.h"
#include "node/app/clear_linkage.h"
#include "node/app/match.h"

namespace fedlink::cli {

// `fedlink match`: own_id,peer,handle,score,keys,role,threshold (bits).
std::string OwnMatchesCsv(const std::vector<app::OwnMatch>& matches);
// `fedlink lookup`: peer,handle,score,keys,role,officer,threshold (bits).
std::string CandidatesCsv(const std::vector<app::Candidate>& candidates);
// `fedlink dedup`: id_1,id_2,score,keys.
std::string DuplicatePairsCsv(const std::vector<app::DuplicatePair>& pairs);
// `fedlink audit list`: index,time,event,requester,responder,purpose,
// legal_basis,official,count,hits,outcome,exchange,detail (outcome and
// detail always quoted).
std::string AuditEntriesCsv(const std::vector<app::ExportedEntry>& entries);

}  // namespace fedlink::cli

#endif  // FEDLINK_NODE_CLI_RESULT_CSV_H_
