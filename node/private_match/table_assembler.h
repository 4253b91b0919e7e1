// The requester's assembly of a peer's tag table (or delta) from the chunks
// of one GetTagTable answer, and every check the chunks must pass: each
// names our request, carries a table id of the current epoch, agrees with
// the first chunk on t, size, version and kind, and follows the previous
// one without a gap; the table stays within the slot and byte limits; a
// delta is only for the table we hold; the last chunk ends the answer and
// every slot announced arrived. Plain C++ (MatchClient feeds it the chunks
// it opened, fuzz_tag_table feeds it anything).
//
// Wire format of a chunk: a serialized fedlink.v1.TableChunk
// (proto/fedlink/v1/match.proto) signed by the responder.
//
//   TableAssembler assembler({digest, prefix, max_slots, max_bytes, held});
//   for each opened chunk: RETURN_IF_ERROR(assembler.Add(body));
//   ASSIGN_OR_RETURN(TableUpdate update, std::move(assembler).Finish());
#ifndef FEDLINK_NODE_PRIVATE_MATCH_TABLE_ASSEMBLER_H_
#define FEDLINK_NODE_PRIVATE_MATCH_TABLE_ASSEMBLER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/private_match/table_delta.h"
#include "node/private_match/tag_table.h"

namespace fedlink::private_match {

class TableAssembler {
 public:
  struct Expect {
    std::string request_digest;   // SHA-256 of our request envelope
    std::string table_id_prefix;  // TableIdPrefix(peer, purpose, current epoch)
    size_t max_slots = 0;         // the largest table (or delta's whole table) taken
    size_t max_bytes = 0;         // entries and payloads, summed
    const Table* held = nullptr;  // the table we hold, if any (a delta must be for it)
  };

  explicit TableAssembler(Expect expect) : expect_(std::move(expect)) {}

  // Takes one chunk (the serialized TableChunk of a signed answer already
  // opened). DataLoss naming what is wrong; after an error, stop.
  absl::Status Add(absl::string_view chunk);
  // Whether the last chunk was taken (anything after it is an error).
  bool complete() const { return last_; }
  // The peer's log index for our request (from the first chunk; 0 before).
  uint64_t audit_index() const { return audit_index_; }
  // The table or delta, once complete with every slot announced.
  absl::StatusOr<TableUpdate> Finish() &&;

 private:
  Expect expect_;
  TableUpdate update_;
  bool started_ = false;
  bool last_ = false;
  uint64_t total_ = 0;
  size_t bytes_ = 0;
  uint64_t audit_index_ = 0;
};

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_TABLE_ASSEMBLER_H_
