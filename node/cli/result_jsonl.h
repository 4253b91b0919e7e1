// JSON Lines output of the CLI's results (`fedlink audit list --format
// jsonl`): one JSON object per line, keys in a fixed order, strings escaped
// by protobuf's JSON printer after the same display escaping as the CSV
// (node/common/safe_text.h), so a line is always exactly one line and no
// value can drive a terminal. No formula guard: JSON is not opened by
// spreadsheets.
#ifndef FEDLINK_NODE_CLI_RESULT_JSONL_H_
#define FEDLINK_NODE_CLI_RESULT_JSONL_H_

#include <string>
#include <vector>

#include "node/app/audit_review.h"

namespace fedlink::cli {

// `fedlink audit list --format jsonl`: {"index":0,"time":"...","event":...,
// "requester","responder","purpose","legal_basis","official","count","hits",
// "outcome","exchange" (the full hex id),"detail","tls_peer"}.
std::string AuditEntriesJsonl(const std::vector<app::ExportedEntry>& entries);

}  // namespace fedlink::cli

#endif  // FEDLINK_NODE_CLI_RESULT_JSONL_H_
