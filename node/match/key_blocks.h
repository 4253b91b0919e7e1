// The match keys of many records in compact form, for deduplicating a
// large store (fedlink dedup at a million records): each key is kept as a
// 64-bit digest of its bytes, and records sharing a key form a block. A
// KeySet holds each key as a string of about 40-60 bytes on the heap (some
// 2 KiB per record); here a record's key costs about 10 bytes.
//
// Results are those of FindCandidates and Scorer::EstimateU over the
// KeySets unless two different keys share a digest: with D distinct keys
// that happens with probability about D^2 / 2^65 (1e-5 for 20 million
// keys), and would only add candidate pairs to score.
//
// Thread-compatible: Add and Finish from one thread; after Finish, const
// use from any thread.
//
//   KeyBlocks blocks;
//   for (const KeySet& k : keys) blocks.Add(k);
//   blocks.Finish();
//   scorer.EstimateU(blocks);
//   auto pairs = FindDuplicateCandidates(blocks, options);
#ifndef FEDLINK_NODE_MATCH_KEY_BLOCKS_H_
#define FEDLINK_NODE_MATCH_KEY_BLOCKS_H_

#include <array>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "node/match/keyspec.h"
#include "node/match/linker.h"
#include "node/match/scorer.h"

namespace fedlink::match {

class KeyBlocks {
 public:
  KeyBlocks() = default;
  KeyBlocks(const KeyBlocks&) = delete;
  KeyBlocks& operator=(const KeyBlocks&) = delete;
  KeyBlocks(KeyBlocks&&) = default;
  KeyBlocks& operator=(KeyBlocks&&) = default;

  // Appends the next record's keys: records are numbered 0, 1, ... in the
  // order added. Only before Finish.
  void Add(const KeySet& keys);
  // Groups the keys into blocks; once, after the last Add.
  void Finish();

  size_t records() const { return record_start_.empty() ? 0 : record_start_.size() - 1; }
  // The blocks of record r's keys (after Finish).
  absl::Span<const uint32_t> BlocksOf(size_t r) const {
    return absl::MakeConstSpan(record_blocks_)
        .subspan(record_start_[r], record_start_[r + 1] - record_start_[r]);
  }
  // The records holding block b's key, in increasing order, and its type.
  absl::Span<const uint32_t> Members(uint32_t b) const {
    return absl::MakeConstSpan(members_).subspan(block_start_[b],
                                                 block_start_[b + 1] - block_start_[b]);
  }
  keyspec::KeyType TypeOf(uint32_t b) const { return block_type_[b]; }
  size_t blocks() const { return block_type_.size(); }

 private:
  struct Entry {
    uint64_t digest;
    uint32_t record;
    keyspec::KeyType type;
  };
  std::vector<Entry> entries_;          // until Finish
  std::vector<uint32_t> record_start_;  // records() + 1 offsets into record_blocks_
  std::vector<uint32_t> record_blocks_;
  std::vector<uint32_t> block_start_;  // blocks() + 1 offsets into members_
  std::vector<uint32_t> members_;
  std::vector<keyspec::KeyType> block_type_;
};

// FindCandidates(keys, keys, options) for the records of `blocks`: every
// pair a < b sharing a key in a block of at most options.max_block records,
// with its pattern, sorted by (b, a); options.histogram and
// keep_from_groups as there.
std::vector<CandidatePair> FindDuplicateCandidates(const KeyBlocks& blocks,
                                                   const LinkOptions& options);

// Per key type, the number of ordered pairs of distinct records sharing a
// value (what Scorer::EstimateU counts within one collection).
std::array<double, keyspec::kKeyTypeCount> KeyCollisions(const KeyBlocks& blocks);

}  // namespace fedlink::match

#endif  // FEDLINK_NODE_MATCH_KEY_BLOCKS_H_
