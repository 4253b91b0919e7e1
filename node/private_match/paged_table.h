// A peer's tag table on disk in a form searched without loading it (the
// requester's cache, table_cache.h). One file per (peer, purpose):
//
//   page 0     preamble, clear: magic, sealed flag, file id (8 random bytes),
//              offset and length of the header
//   pages 1..  fixed 4 KiB pages, each sealed alone (XChaCha20-Poly1305,
//              crypto/aead.h) under a subkey of the data key for this file
//              id, associated data = file name || id || page number, so a page
//              moved, swapped, or taken from another file does not open:
//                A  entries sorted by tag: tag 8 | slot 4 | position 1 |
//                   masked share 16 (139 a page)
//                B  slot directory: id 8 | payload offset 8 | length 4
//                   (202 a page)
//                C  the sealed payloads, back to back
//   header     sealed: peer, purpose, table id, t, min score, notice,
//              keyspec, version, as_of, fetched_at, counts, the filter
//              size F, the fences (the first tag of each A page), and
//              each A page's filter: F bytes, a Bloom filter of its tags
//              (3 bits a tag, FilterMix in the .cc)
//
// Only the header (8 + F bytes per 139 entries) is held in memory; a
// lookup binary-searches the fences, asks the page's filter, reads and
// opens only the A pages whose filter may hold the tag (a tag in no page
// opens none, but for the filter's false positives: about 17% a page at
// F = 64), then the B and C pages of the slots it hit. Without a data
// key (a plaintext node) pages are written in the clear with a BLAKE2b
// checksum over the same associated data: corruption is still refused.
// Anything that does not open or check is DataLoss naming the file (never
// a value): the caller deletes it and refetches.
#ifndef FEDLINK_NODE_PRIVATE_MATCH_PAGED_TABLE_H_
#define FEDLINK_NODE_PRIVATE_MATCH_PAGED_TABLE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crypto/aead.h"
#include "node/private_match/table_delta.h"
#include "node/private_match/tag_table.h"

namespace fedlink::private_match {

inline constexpr size_t kTablePageSize = 4096;
// Bytes of filter per A page (139 entries): 3.7 bits an entry, a false
// positive rate of about 17%; 5.6 MiB for a 1M-record table of 12 million
// entries (PagedHeader::filter_bytes; 0: none).
inline constexpr size_t kPageFilterBytes = 64;

// Whether `status` says a paged file is corrupt (DataLoss, marked by a
// payload, so the cache's caller deletes it and refetches by type).
bool IsCorruptTableFile(const absl::Status& status);

// What a paged file says about itself (all but the fences and counts are
// the table's header fields).
struct PagedHeader {
  std::string peer;
  std::string purpose;
  std::string table_id;
  int t = 2;
  double min_score = 0;
  bool notify_owner = false;
  int keyspec = 1;
  uint64_t version = 0;
  int64_t as_of = 0;
  int64_t fetched_at = 0;  // unix seconds
  uint64_t entries = 0;
  uint64_t slots = 0;
  // Bytes of filter per A page: 0 (none) or a power of two from 8 to 1024.
  // Write and WriteUpdated take it from the header given them.
  uint32_t filter_bytes = kPageFilterBytes;
};

// What a Slice read (tests and benchmarks).
struct SliceStats {
  size_t a_pages = 0;      // A pages opened (entries)
  size_t other_pages = 0;  // B and C pages opened (hit slots' ids, payloads)
};

class PagedTable {
 public:
  // Writes `table` to `path` atomically (temporary file, fsync, rename),
  // mode 0600; sealed under `key` when given. header.entries and .slots are
  // taken from the table.
  static absl::Status Write(const std::string& path, const crypto::SealingKey* key,
                            PagedHeader header, const Table& table);
  // Writes `path` as `held` updated by `update` (table_delta.h), without
  // loading `held`: its sorted entries are merged page by page with the
  // delta's, its kept slots renumbered in order, the delta's appended (the
  // result ApplyUpdate gives). A full update is Write. A delta that does
  // not apply (another table id, older, repeated or replaced-and-dropped
  // ids, another slot count than announced) is DataLoss, as ApplyUpdate's,
  // and nothing is written. `path` may be held's own: held keeps reading
  // its open file.
  static absl::Status WriteUpdated(const std::string& path, const crypto::SealingKey* key,
                                   PagedHeader header, const PagedTable& held,
                                   const TableUpdate& update);
  // Opens the file: reads the preamble and the header (not the pages).
  // NotFound if there is no file; FailedPrecondition if it is sealed and no
  // key is given; DataLoss if it is not a paged table, is truncated or does
  // not open (altered, moved, or another key). A clear file opened with a
  // key opens (sealed() says so: the cache refetches it).
  static absl::StatusOr<PagedTable> Open(const std::string& path, const crypto::SealingKey* key);
  // Whether `path` starts as a paged table does (else: an older cache
  // format, or not a table at all).
  static bool LooksPaged(const std::string& path);

  PagedTable(PagedTable&&) noexcept;
  PagedTable& operator=(PagedTable&&) noexcept;
  ~PagedTable();

  const PagedHeader& header() const { return header_; }
  bool sealed() const { return subkey_ != nullptr; }
  // Only the slots with an entry whose tag is in `tags`, each with only
  // those entries (tag || masked share) and its sealed payload; header
  // fields as the table's. Reads at most one or a few pages per tag, none
  // for most tags the table does not hold (the pages' filters); the tags
  // are sorted and deduplicated first, and each page is opened once.
  // Thread-safe: const, and pages are read with pread.
  absl::StatusOr<Table> Slice(absl::Span<const uint64_t> tags, SliceStats* stats = nullptr) const;
  // For benchmarks and tests: false makes Slice ignore the pages' filters
  // (every page a tag can be on is opened, as before they existed).
  void set_filter_enabled(bool on) { filter_on_ = on; }
  // The whole table (for applying a delta; loads everything).
  absl::StatusOr<Table> ReadAll() const;
  // Bytes held in memory for this table (header, fences and filters).
  size_t memory_bytes() const;

 private:
  PagedTable() = default;
  absl::StatusOr<std::string> ReadPage(uint64_t page) const;
  absl::Status Corrupt(absl::string_view what) const;
  bool PageMayHold(uint64_t page, uint64_t tag) const;

  std::string path_;
  std::string name_;  // the file's name: bound into every page
  int fd_ = -1;
  uint64_t file_id_ = 0;
  std::unique_ptr<crypto::SealingKey> subkey_;  // null: clear pages
  PagedHeader header_;
  uint64_t a_pages_ = 0, b_pages_ = 0, c_pages_ = 0, c_bytes_ = 0;
  std::vector<uint64_t> fences_;   // first tag of each A page
  size_t filter_words_ = 0;        // 64-bit words of filter per A page
  std::vector<uint64_t> filters_;  // filter_words_ per A page
  bool filter_on_ = true;
};

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_PAGED_TABLE_H_
