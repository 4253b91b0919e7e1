#include "node/private_match/table_delta.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace fedlink::private_match {

absl::Status ApplyUpdate(TableUpdate update, Table* held) {
  if (!update.delta) {
    *held = std::move(update.table);
    return absl::OkStatus();
  }
  const Table& next = update.table;
  if (next.table_id != held->table_id) {
    return absl::DataLossError(absl::StrCat("delta for table '", next.table_id,
                                            "' does not apply to the held '", held->table_id, "'"));
  }
  if (next.version < held->version) {
    return absl::DataLossError(absl::StrCat("delta to version ", next.version,
                                            " is older than the held version ", held->version));
  }
  // Work on positions first, so a bad delta leaves `held` untouched.
  absl::flat_hash_map<uint64_t, size_t> position;
  position.reserve(held->slots.size());
  for (size_t i = 0; i < held->slots.size(); ++i) position[held->slots[i].id] = i;
  absl::flat_hash_set<uint64_t> incoming;
  for (const Slot& s : next.slots) {
    if (!incoming.insert(s.id).second) {
      return absl::DataLossError("delta repeats a slot id");
    }
  }
  std::vector<bool> drop(held->slots.size(), false);
  for (uint64_t id : update.removed) {
    if (incoming.contains(id)) return absl::DataLossError("delta both replaces and drops a slot");
    auto it = position.find(id);
    if (it != position.end()) drop[it->second] = true;
  }
  for (const Slot& s : next.slots) {
    auto it = position.find(s.id);
    if (it != position.end()) drop[it->second] = true;  // replaced: the new one is appended
  }
  size_t kept = 0;
  for (bool d : drop) kept += d ? 0 : 1;
  if (kept + next.slots.size() != update.slots_after) {
    return absl::DataLossError(absl::StrCat("delta leaves ", kept + next.slots.size(),
                                            " slots, the responder announced ",
                                            update.slots_after));
  }
  std::vector<Slot> slots;
  slots.reserve(update.slots_after);
  for (size_t i = 0; i < held->slots.size(); ++i) {
    if (!drop[i]) slots.push_back(std::move(held->slots[i]));
  }
  for (Slot& s : update.table.slots) slots.push_back(std::move(s));
  Table merged = std::move(update.table);
  merged.slots = std::move(slots);
  *held = std::move(merged);
  return absl::OkStatus();
}

}  // namespace fedlink::private_match
