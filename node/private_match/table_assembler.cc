#include "node/private_match/table_assembler.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fedlink/v1/match.pb.h"

namespace fedlink::private_match {

absl::Status TableAssembler::Add(absl::string_view bytes) {
  const auto bad = [](absl::string_view why) { return absl::DataLossError(why); };
  if (last_) return bad("data after the last chunk");
  fedlink::v1::TableChunk chunk;
  if (!chunk.ParseFromString(std::string(bytes))) return bad("malformed chunk");
  if (chunk.request_sha256() != expect_.request_digest) {
    return bad("chunk does not answer our request");
  }
  if (!absl::StartsWith(chunk.table_id(), expect_.table_id_prefix)) {
    return bad(absl::StrCat("table '", chunk.table_id(), "' is not of the current epoch ('",
                            expect_.table_id_prefix, "...')"));
  }
  Table& table = update_.table;
  if (!started_) {
    started_ = true;
    audit_index_ = chunk.audit_index();
    table.table_id = chunk.table_id();
    table.t = static_cast<int>(chunk.t());
    table.min_score = chunk.min_score();
    table.notify_owner = chunk.notify_owner();
    table.keyspec = chunk.keyspec() == 0 ? 1 : static_cast<int>(chunk.keyspec());
    table.version = chunk.version();
    table.as_of = chunk.as_of();
    update_.delta = chunk.delta();
    update_.slots_after = chunk.slots_after();
    update_.removed.assign(chunk.removed().begin(), chunk.removed().end());
    total_ = chunk.total_slots();
    const uint64_t whole = update_.delta ? update_.slots_after : total_;
    if (whole > expect_.max_slots || total_ > expect_.max_slots) {
      return bad(absl::StrCat("table of ", whole, " records exceeds the limit of ",
                              expect_.max_slots, " (the peer's roster-declared maximum, or ours)"));
    }
    if (update_.delta && (expect_.held == nullptr || chunk.table_id() != expect_.held->table_id)) {
      return bad("a delta for a table we do not hold");
    }
    if (update_.removed.size() > kMaxRemovedPerDelta) return bad("too many removals");
    table.slots.reserve(total_);
  } else if (static_cast<int>(chunk.t()) != table.t || chunk.total_slots() != total_ ||
             chunk.table_id() != table.table_id || chunk.delta() != update_.delta ||
             chunk.version() != table.version || chunk.removed_size() != 0) {
    return bad("chunks disagree on t, size, version or kind");
  }
  if (chunk.first_slot() != table.slots.size()) return bad("chunks are not contiguous");
  if (table.slots.size() + chunk.slots_size() > total_) return bad("more slots than announced");
  for (auto& s : *chunk.mutable_slots()) {
    bytes_ += s.entries().size() + s.sealed_payload().size();
    if (bytes_ > expect_.max_bytes) return bad("table exceeds the byte limit");
    table.slots.push_back(
        {s.id(), std::move(*s.mutable_entries()), std::move(*s.mutable_sealed_payload())});
  }
  last_ = chunk.last();
  return absl::OkStatus();
}

absl::StatusOr<TableUpdate> TableAssembler::Finish() && {
  if (!last_ || update_.table.slots.size() != total_) {
    return absl::DataLossError("table is incomplete");
  }
  return std::move(update_);
}

}  // namespace fedlink::private_match
