// The responder's OPRF work, kept: for each record, the tag and mask of each
// of its keys under the keys of the current table id of a purpose. A table
// for a (purpose, key generation, epoch) is then evaluated once, however
// many peers fetch it and under whichever rule: a peer's table costs a pass
// over the records, a Shamir split and a payload sealing per record (the
// secret, shares, slot ids, handles and payloads stay per peer), and a
// delta evaluates only the keys of the records that changed.
//
// Entries are matched by the key's type and bytes (a keyed 64-bit hash), so
// a changed record simply misses and is evaluated again. A new table id of a
// purpose (a new epoch, a re-keying after a withdrawal or deletion) drops
// everything cached for the last one. In memory only (about 32 bytes per key
// plus the record's id); nothing secret beyond what the table itself gives
// any peer.
//
// Thread-safe.
//
//   std::vector<size_t> missing = cache.Fill(purpose, table_id, ids, records);
//   ...evaluate records[missing[i]] (EvaluateTags)...
//   cache.Store(purpose, table_id, ids, records, missing);
#ifndef FEDLINK_NODE_PRIVATE_MATCH_TAG_CACHE_H_
#define FEDLINK_NODE_PRIVATE_MATCH_TAG_CACHE_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "node/private_match/tag_table.h"

namespace fedlink::private_match {

class TagCache {
 public:
  TagCache();
  TagCache(const TagCache&) = delete;
  TagCache& operator=(const TagCache&) = delete;

  // Sets records[i].tags for every record whose keys (type and bytes) are
  // all cached under `table_id` for `purpose` (ids[i]: its external id).
  // Returns the indices of the others, whose tags are left empty.
  std::vector<size_t> Fill(absl::string_view purpose, absl::string_view table_id,
                           absl::Span<const std::string> ids, absl::Span<SourceRecord> records);
  // Remembers the tags of records[i] for each i of `which` (evaluated for
  // `table_id`); records without tags are skipped.
  void Store(absl::string_view purpose, absl::string_view table_id,
             absl::Span<const std::string> ids, absl::Span<const SourceRecord> records,
             absl::Span<const size_t> which);
  // Records cached, over every purpose.
  size_t records() const;

 private:
  struct Entry {
    uint64_t key;  // keyed hash of the key's type and bytes
    TagMask tm;
  };
  struct PerTable {
    std::string table_id;
    absl::flat_hash_map<std::string, std::vector<Entry>> by_record;
  };
  uint64_t KeyHash(const match::keyspec::Key& key) const;

  std::array<unsigned char, 16> hash_key_;  // random, per process
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, PerTable> by_purpose_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_TAG_CACHE_H_
