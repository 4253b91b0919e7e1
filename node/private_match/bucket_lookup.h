// Bucket lookups: a first lookup without the whole table
// (docs/private-match.md "Bucket lookups", docs/leakage.md).
//
// The requester learns its keys' OPRF outputs by blind evaluation, derives
// their tags, and asks the responder only for the buckets its tags fall in:
// a bucket is every slot of the table with an entry whose tag starts with
// the same `prefix_bits` bits. The responder sees those prefixes, never a
// tag; the requester gets, of each slot in those buckets, the entries that
// fall in them and the sealed payload. Its tags can hit no other entry, so
// its match is the same as against the whole table.
//
// Format. A tag's prefix of b bits (0 <= b <= kMaxPrefixBits) is the first
// b bits of the tag's 8 bytes as they are on the wire, read big-endian: for
// tag bytes t0 t1 t2 t3 ..., prefix = (t0<<24 | t1<<16 | t2<<8 | t3) >> (32-b)
// (0 when b is 0). The responder serves one prefix length per table: the
// largest b for which every one of the 2^b buckets holds at least the
// rule's min_bucket_records distinct slots (ChoosePrefixBits); a table with
// fewer slots than that is not served in buckets at all. So a bucket below
// the minimum can never be asked for, and SelectBuckets refuses one anyway.
#ifndef FEDLINK_NODE_PRIVATE_MATCH_BUCKET_LOOKUP_H_
#define FEDLINK_NODE_PRIVATE_MATCH_BUCKET_LOOKUP_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "node/private_match/tag_table.h"

namespace fedlink::private_match {

inline constexpr int kMaxPrefixBits = 24;
// The most prefixes one bucket request may carry (a lookup has about 12
// keys per person; a few persons' worth at once).
inline constexpr size_t kMaxBucketPrefixes = 1024;
// The most bytes of slots (entries and payloads) one bucket answer may
// carry: it is one message, under the peer port's answer limit. A request
// whose buckets hold more is refused, uncharged (ask for fewer at once).
inline constexpr size_t kMaxBucketAnswerBytes = size_t{8} << 20;

// The first `bits` bits of `tag` (as TagMask::tag and a slot's entry hold
// it: the first 8 bytes of the tag hash, in memory order).
uint32_t TagPrefix(uint64_t tag, int bits);

// The prefix length to serve `table` in: the largest b <= kMaxPrefixBits
// with every bucket holding at least `min_records` distinct slots.
// FailedPrecondition if the whole table holds fewer (it is then not served
// in buckets; the whole table is the only answer).
absl::StatusOr<int> ChoosePrefixBits(const Table& table, uint32_t min_records);

// The slots of `table` with an entry in one of the buckets `prefixes` (of
// `bits` bits each), each slot once, in table order, with only its entries
// in those buckets (and its payload), into `out` (its header fields copied
// from `table`). InvalidArgument for a prefix out of
// range; FailedPrecondition, and nothing in `out`, if any requested bucket
// holds fewer than `min_records` slots.
absl::Status SelectBuckets(const Table& table, int bits, absl::Span<const uint32_t> prefixes,
                           uint32_t min_records, Table* out);

// The entries of a table grouped by bucket, for serving many requests from
// one table without a pass over it each time: 5 bytes per entry. `table`
// must outlive the index and not change.
class BucketIndex {
 public:
  BucketIndex() = default;
  BucketIndex(const Table& table, int bits);  // bits in 0..kMaxPrefixBits
  int bits() const { return bits_; }
  // SelectBuckets against the indexed table at its length.
  absl::Status Select(absl::Span<const uint32_t> prefixes, uint32_t min_records, Table* out) const;

 private:
  const Table* table_ = nullptr;
  int bits_ = 0;
  std::vector<uint32_t> first_;    // per bucket, its first item; + end
  std::vector<uint32_t> slot_;     // items: slot number, in slot order per bucket
  std::vector<uint8_t> position_;  // and the entry's place in the slot
};

// What a bucket request returns: the header of the peer's table and the
// slots of the buckets asked for (none for a request of prefix length 0).
struct Buckets {
  Table table;  // table_id, t, min_score, ... and the buckets' slots (their entries in them)
  uint64_t total_slots = 0;  // of the whole table
  int prefix_bits = 0;       // the prefix length the peer serves
  uint32_t min_records = 0;  // the peer's min_bucket_records
  uint64_t budget_remaining = 0;
  size_t wire_bytes = 0;  // request and answer, as sent (a client fills it in)
};

// The requester's unique, sorted prefixes of `tags`.
std::vector<uint32_t> PrefixesOf(absl::Span<const uint64_t> tags, int bits);

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_BUCKET_LOOKUP_H_
