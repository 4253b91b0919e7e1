// OPRF tag tables: the responder's side of the private match, and the
// requester's lookup (PROTOCOL.md, "The private match").
//
// Responder, per (peer, purpose, epoch), for each record policy lets the
// peer see, for each of its keys v_i (keyspec v1 bytes) of type T_i:
//   y_i    = OPRF_k[T_i](v_i)                    (64 bytes, RFC 9497; one
//                                                 key per key type)
//   tag_i  = BLAKE2b(key=y_i, "fedlink/tag/v1")[:8]
//   mask_i = BLAKE2b(key=y_i, "fedlink/mask/v1")[:16]
// The record gets a random 16-byte secret s, split t-of-n with Shamir, one
// share per key group (x = group + 1; keys of one group, e.g. the name keys,
// carry the same share, so t counts independent evidence), and a payload
// sealed with
// BLAKE2b(key=s, "fedlink/payload/v1") (XChaCha20-Poly1305, associated data
// = table id || slot id). A record with keys in fewer than t groups is left
// out: it could never be revealed.
//
// Wire format of a slot (the table's bulk): n entries of 24 bytes,
//   entry_i = tag_i (8) || share_i XOR mask_i (16)
// plus the sealed payload and the slot id (8 bytes: a keyed hash of the
// record's id, stable within a table id, so a delta can replace or drop the
// slot). x is implied by position.
//
// Requester: finalises its own keys' OPRF outputs, derives tag and mask,
// looks tags up, unmasks the shares that hit, and for a slot with at least t
// of them reconstructs s and opens the payload. Fewer than t agreeing keys
// open nothing; a wrong share makes the payload fail to open.
#ifndef FEDLINK_NODE_PRIVATE_MATCH_TAG_TABLE_H_
#define FEDLINK_NODE_PRIVATE_MATCH_TAG_TABLE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "crypto/oprf.h"
#include "node/match/keyspec.h"

namespace fedlink::private_match {

inline constexpr size_t kTagSize = 8;
inline constexpr size_t kShareSize = 16;
inline constexpr size_t kEntrySize = kTagSize + kShareSize;
inline constexpr size_t kMaxKeysPerRecord = 64;

// OPRF keys rotate every epoch (7 days): a table from another epoch is
// useless (and refused), since its tags were made under another key.
inline constexpr absl::Duration kEpochLength = absl::Hours(24 * 7);  // the default
// The epoch number at `now` for epochs of `days` days (UTC, from 1970).
int64_t EpochAt(absl::Time now, int days = 7);
// "responder|purpose|epoch|generation|k2": bound into every sealed payload
// of the table. The generation counts re-keyings within an epoch (a consent
// withdrawn or a record deleted makes every earlier table useless at once);
// "k2" says its tags are made under one OPRF key per key type (a table of
// fedlink before, under one key for all, has no suffix: another table id,
// so a requester holding one is told it is stale and refetches).
std::string TableId(absl::string_view responder, absl::string_view purpose, int64_t epoch,
                    int64_t generation);
// "responder|purpose|epoch|": what every table id of that epoch starts with.
std::string TableIdPrefix(absl::string_view responder, absl::string_view purpose, int64_t epoch);

// The tag and mask derived from a finalised OPRF output (by the requester
// for its keys, by the responder for its table's).
struct TagMask {
  uint64_t tag;
  std::array<uint8_t, kShareSize> mask;
};
TagMask DeriveTagMask(const crypto::oprf::Output& y);

struct SourceRecord {
  uint64_t slot_id = 0;  // unique within the table
  std::vector<match::keyspec::Key> keys;
  std::string payload;  // plaintext the peer may see (handle, role, ...)
  // Empty, or one per key (of the first kMaxKeysPerRecord): each key's tag
  // and mask under the table's keys, already evaluated (EvaluateTags, or a
  // responder's TagCache). BuildTable evaluates only records without them.
  std::vector<TagMask> tags{};
};

struct Slot {
  uint64_t id = 0;      // unique within the table (SourceRecord::slot_id)
  std::string entries;  // n * kEntrySize bytes
  std::string sealed_payload;
  size_t key_count() const { return entries.size() / kEntrySize; }
};

struct Table {
  std::string table_id;  // responder|purpose|epoch: bound into every payload
  int t = 2;
  double min_score = 0;       // the owner's policy threshold; the requester obeys it
  bool notify_owner = false;  // the owner's policy asks for notice of matches
  int keyspec = 1;            // the keyspec version of its keys (node.conf keyspec)
  // What the table reflects, for deltas: the responder's record-store
  // version and the time it was built (unix seconds).
  uint64_t version = 0;
  int64_t as_of = 0;
  std::vector<Slot> slots;
  size_t bytes() const;  // entries + payloads
};

// Copies the header fields of a table (all but its slots) from `from` to
// `to`: Table and the paged cache's PagedHeader name them alike, so one list
// serves every copy between them.
template <typename From, typename To>
void CopyHeaderFields(const From& from, To* to) {
  to->table_id = from.table_id;
  to->t = from.t;
  to->min_score = from.min_score;
  to->notify_owner = from.notify_owner;
  to->keyspec = from.keyspec;
  to->version = from.version;
  to->as_of = from.as_of;
}

// `table` without its slots: the header fields a probe or a slice carries.
Table HeaderOf(const Table& table);

// Whether a record's keys span at least t key groups (else it could never
// open, and BuildTable leaves it out).
bool CanOpen(const SourceRecord& record, int t);

// The responder's OPRF keys for one table: one per keyspec key type
// (indexed by KeyType), none null.
using TableKeys = std::array<std::unique_ptr<crypto::oprf::OprfKey>, match::keyspec::kKeyTypeCount>;

// Fills `tags` of every record of `records` that has none (and can open at
// t; see CanOpen), evaluating its keys under the key of their type, over
// `threads` threads (0 = all cores). Returns the number of OPRF
// evaluations made.
absl::StatusOr<size_t> EvaluateTags(const TableKeys& keys, int t,
                                    absl::Span<SourceRecord* const> records, int threads = 0);

// Builds the table, each key evaluated under the key of its type (unless
// the record carries its tags already: the OPRF work is then none, and a
// build costs a Shamir split and a payload sealing per record).
// `threads`: for the OPRF evaluations (0 = all cores).
absl::StatusOr<Table> BuildTable(const TableKeys& keys, absl::string_view table_id, int t,
                                 const std::vector<SourceRecord>& records, int threads = 0);
// The same with one key for every key type (tests of the table alone).
absl::StatusOr<Table> BuildTable(const crypto::oprf::OprfKey& key, absl::string_view table_id,
                                 int t, const std::vector<SourceRecord>& records, int threads = 0);

// The requester's form of a table, built once per fetched table and kept
// compact: every entry in one buffer (24 bytes each), the sealed payloads in
// another, per-slot offsets, and the entries' numbers sorted by tag (4 bytes
// each) for lookup. A 100,000-record table takes about 45 MiB. Validates
// sizes on Build.
class TableIndex {
 public:
  static absl::StatusOr<TableIndex> Build(Table table);

  const std::string& table_id() const { return table_id_; }
  int t() const { return t_; }
  double min_score() const { return min_score_; }
  bool notify_owner() const { return notify_owner_; }
  int keyspec() const { return keyspec_; }
  size_t slot_count() const { return slot_entries_.size() - 1; }
  size_t entry_count() const { return order_.size(); }

  struct Hit {
    uint32_t slot;
    uint8_t position;
  };
  // Every entry whose tag equals `tag` (collisions are possible but rare).
  void Find(uint64_t tag, std::vector<Hit>* hits) const;
  // The 16 masked share bytes of an entry, and a slot's sealed payload.
  const char* MaskedShare(const Hit& hit) const;
  absl::string_view SealedPayload(uint32_t slot) const;
  uint64_t SlotId(uint32_t slot) const { return slot_ids_[slot]; }
  size_t memory_bytes() const;

 private:
  uint64_t TagOf(uint32_t entry) const;
  std::string table_id_;
  int t_ = 0;
  double min_score_ = 0;
  bool notify_owner_ = false;
  int keyspec_ = 1;
  std::string entries_;                 // all entries, slot after slot
  std::string payloads_;                // all sealed payloads
  std::vector<uint32_t> slot_entries_;  // first entry of each slot, + end
  std::vector<uint32_t> slot_payload_;  // first payload byte of each slot, + end
  std::vector<uint32_t> order_;         // entry numbers sorted by tag
  std::vector<uint64_t> slot_ids_;
};

// One revealed record of the peer.
struct Reveal {
  uint32_t slot;
  std::string payload;    // opened plaintext
  uint32_t pattern = 0;   // requester key types that agreed
  int agreeing_keys = 0;  // distinct key groups that agreed (shares)
};

// Matches one requester record: `keys` with their finalised OPRF outputs
// (same order). Returns every slot that reached t agreeing keys and opened.
// If `hit_patterns` is given, it receives the pattern of every slot that any
// key hit (including those below t): the requester sees tag hits anyway, and
// the scorer's EM uses them as its candidate pairs.
std::vector<Reveal> MatchRecord(const TableIndex& index, absl::Span<const match::keyspec::Key> keys,
                                absl::Span<const crypto::oprf::Output> outputs,
                                std::vector<uint32_t>* hit_patterns = nullptr);

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_TAG_TABLE_H_
