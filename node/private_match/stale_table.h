// A stale table, as a type: the peer re-keyed (a consent withdrawn or
// expired, a record deleted, a new epoch) since the table the requester holds
// was made, so the table can no longer match. The error carries a payload
// that marks it, so a caller decides to refetch by type, not by the text of
// the message, and the mark survives errors re-wrapped with more context
// (CopyStalePayload).
#ifndef FEDLINK_NODE_PRIVATE_MATCH_STALE_TABLE_H_
#define FEDLINK_NODE_PRIVATE_MATCH_STALE_TABLE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace fedlink::private_match {

inline constexpr char kStaleTable[] = "the peer re-keyed: our cached table is stale";

// FailedPrecondition("<kStaleTable> (<detail>)"), marked as a stale table.
absl::Status StaleTableError(absl::string_view detail);
// Whether `status` is (or wraps, keeping payloads) a StaleTableError.
bool IsStaleTable(const absl::Status& status);
// `wrapped` with every payload of `original` (for errors re-worded with
// context on their way up).
absl::Status WithPayloadsOf(absl::Status wrapped, const absl::Status& original);

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_STALE_TABLE_H_
