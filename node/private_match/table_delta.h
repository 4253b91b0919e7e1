// Tag-table deltas: within one table id (responder, purpose, epoch, key
// generation) a requester that holds a table asks only for what changed
// since the responder's record-store version it reflects. The responder
// answers with the slots added or changed (by slot id) and the ids of slots
// to drop (records changed out of the table, deleted, or whose consent
// expired), or with the whole table when the held one is of another table
// id or a delta would not be smaller. Deletions and consent withdrawals
// also re-key, so a requester that ignores a removal still finds nothing.
#ifndef FEDLINK_NODE_PRIVATE_MATCH_TABLE_DELTA_H_
#define FEDLINK_NODE_PRIVATE_MATCH_TABLE_DELTA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "node/private_match/tag_table.h"

namespace fedlink::private_match {

// More removals than this are sent as the whole table instead (they travel
// in one chunk).
inline constexpr size_t kMaxRemovedPerDelta = 100'000;

// What a requester holds, named in its table request.
struct HeldTable {
  std::string table_id;
  uint64_t version = 0;  // Table::version
  int64_t as_of = 0;     // Table::as_of
};

struct TableUpdate {
  // Full: the whole table. Delta: the new header fields (version, as_of, t,
  // ...) and the slots added or changed.
  Table table;
  bool delta = false;
  std::vector<uint64_t> removed;  // delta: ids of slots to drop
  uint64_t slots_after = 0;       // delta: slots of the whole table once applied
};

// Applies `update` to `held` (a full update replaces it). A delta must be
// for the held table id and not older than it, and must leave exactly
// slots_after slots; otherwise nothing changes and the error says why (the
// requester then fetches the whole table). Removals of ids not held are
// ignored (the responder does not know what policy let us see before).
absl::Status ApplyUpdate(TableUpdate update, Table* held);

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_TABLE_DELTA_H_
