// How `fedlink records` prints a record with its sharing history, and the
// revocation notices sent (node/app/records.h, node/app/consent.h).
#ifndef FEDLINK_NODE_CLI_RECORD_OUTPUT_H_
#define FEDLINK_NODE_CLI_RECORD_OUTPUT_H_

#include <vector>

#include "node/app/consent.h"
#include "node/app/data_quality.h"
#include "node/app/records.h"

namespace fedlink::cli {

// "field: value" lines for the non-empty fields, then "sharing history:" and
// "shared now:", on stdout.
void PrintRecordDetails(const app::RecordDetails& details);
// "  revocation notice to PEER: acknowledged | pending (CODE: message)".
void PrintRevocationOutcomes(const std::vector<app::RevocationOutcome>& notices);
// The data-quality report (`records quality`, `import --report`) on
// stdout: a line of totals, a table of fields (present, unusable), key
// types per record, records by key groups, and the external ids of the
// records that cannot reach t (the first `max_ids`, then a count).
void PrintDataQuality(const app::DataQuality& quality, size_t max_ids = 50);

}  // namespace fedlink::cli

#endif  // FEDLINK_NODE_CLI_RECORD_OUTPUT_H_
