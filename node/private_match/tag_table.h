// OPRF tag tables: the responder's side of the private match, and the
// requester's lookup (PROTOCOL.md, "The private match").
//
// Responder, per (peer, purpose, epoch), for each record policy lets the
// peer see, for each of its keys v_i (keyspec v1 bytes):
//   y_i    = OPRF_k(v_i)                         (64 bytes, RFC 9497)
//   tag_i  = BLAKE2b(key=y_i, "fedlink/tag/v1")[:8]
//   mask_i = BLAKE2b(key=y_i, "fedlink/mask/v1")[:16]
// The record gets a random 16-byte secret s, split t-of-n with Shamir
// (n = number of keys, share x = i + 1), and a payload sealed with
// BLAKE2b(key=s, "fedlink/payload/v1") (XChaCha20-Poly1305, associated data
// = table id || slot). A record with fewer than t keys is left out: it could
// never be revealed.
//
// Wire format of a slot (the table's bulk): n entries of 24 bytes,
//   entry_i = tag_i (8) || share_i XOR mask_i (16)
// plus the sealed payload. The slot number and x are implied by position.
//
// Requester: finalises its own keys' OPRF outputs, derives tag and mask,
// looks tags up, unmasks the shares that hit, and for a slot with at least t
// of them reconstructs s and opens the payload. Fewer than t agreeing keys
// open nothing; a wrong share makes the payload fail to open.
#ifndef FEDLINK_NODE_PRIVATE_MATCH_TAG_TABLE_H_
#define FEDLINK_NODE_PRIVATE_MATCH_TAG_TABLE_H_

#include <array>
#include <cstdint>
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
inline constexpr absl::Duration kEpochLength = absl::Hours(24 * 7);
int64_t EpochAt(absl::Time now);
// "responder|purpose|epoch": bound into every sealed payload of the table.
std::string TableId(absl::string_view responder, absl::string_view purpose,
                    int64_t epoch);

struct SourceRecord {
  std::vector<keyspec::Key> keys;
  std::string payload;  // plaintext the peer may see (handle, role, ...)
};

struct Slot {
  std::string entries;  // n * kEntrySize bytes
  std::string sealed_payload;
  size_t key_count() const { return entries.size() / kEntrySize; }
};

struct Table {
  std::string table_id;  // responder|purpose|epoch: bound into every payload
  int t = 2;
  std::vector<Slot> slots;
  size_t bytes() const;  // entries + payloads
};

// Builds the table. `threads`: for the OPRF evaluations (0 = all cores).
absl::StatusOr<Table> BuildTable(const oprf::OprfKey& key,
                                 absl::string_view table_id, int t,
                                 const std::vector<SourceRecord>& records,
                                 int threads = 0);

// The tag and mask a requester derives from a finalised OPRF output.
struct TagMask {
  uint64_t tag;
  std::array<uint8_t, kShareSize> mask;
};
TagMask DeriveTagMask(const oprf::Output& y);

// Requester's index of a table: (tag, slot, position) sorted by tag, 16
// bytes per entry (a hash map of vectors would cost four times that, and a
// 100,000-record table must stay well under 64 MiB). Validates sizes.
class TableIndex {
 public:
  static absl::StatusOr<TableIndex> Build(Table table);
  const Table& table() const { return table_; }

  struct Hit {
    uint64_t tag;
    uint32_t slot;
    uint8_t position;
  };
  // All positions whose tag equals `tag` (collisions are possible but rare).
  absl::Span<const Hit> Find(uint64_t tag) const;
  size_t memory_bytes() const;

 private:
  Table table_;
  std::vector<Hit> by_tag_;
};

// One revealed record of the peer.
struct Reveal {
  uint32_t slot;
  std::string payload;   // opened plaintext
  uint32_t pattern = 0;  // requester key types that agreed
  int agreeing_keys = 0;
};

// Matches one requester record: `keys` with their finalised OPRF outputs
// (same order). Returns every slot that reached t agreeing keys and opened.
// If `hit_patterns` is given, it receives the pattern of every slot that any
// key hit (including those below t): the requester sees tag hits anyway, and
// the scorer's EM uses them as its candidate pairs.
std::vector<Reveal> MatchRecord(const TableIndex& index,
                                absl::Span<const keyspec::Key> keys,
                                absl::Span<const oprf::Output> outputs,
                                std::vector<uint32_t>* hit_patterns = nullptr);

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_TAG_TABLE_H_
