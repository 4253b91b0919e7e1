// The requester's on-disk cache of peers' tag tables (DIR/cache/, 0600):
// a table is reused until its epoch ends or it is older than the caller's
// refresh interval, so a `lookup` needs no table transfer. Each table is a
// paged file (paged_table.h) searched without loading it: the requester's
// memory does not grow with the peers' table sizes.
#ifndef FEDLINK_NODE_PRIVATE_MATCH_TABLE_CACHE_H_
#define FEDLINK_NODE_PRIVATE_MATCH_TABLE_CACHE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/aead.h"
#include "node/common/node_paths.h"
#include "node/private_match/paged_table.h"
#include "node/private_match/tag_table.h"

namespace fedlink::private_match {

struct CachedTable {
  Table table;
  absl::Time fetched_at;
};

struct CachedPagedTable {
  PagedTable table;
  absl::Time fetched_at;
};

// With `key` (the node's data key, config::OpenedNode::file_key), each file
// is sealed under it (XChaCha20-Poly1305, the file's name as associated
// data, so a peer's table moved to another's name does not open); a file
// that does not open is refused (DataLoss), a clear one is ignored and
// refetched.
class TableCache {
 public:
  explicit TableCache(std::string node_dir, const crypto::SealingKey* key = nullptr)
      : dir_(common::NodePaths(std::move(node_dir)).table_cache_dir()), key_(key) {}

  // The cached table of `peer` for `purpose`, if any and still of the epoch
  // of `now` and no older than `max_age`, loaded whole (tests, fuzzing: a
  // match uses GetPaged). A corrupt file is an error.
  absl::StatusOr<std::optional<CachedTable>> Get(absl::string_view peer, absl::string_view purpose,
                                                 absl::Time now, absl::Duration max_age,
                                                 int epoch_days = 7) const;
  // The same, left on disk: only its header is read (the match reads the
  // pages it needs, PagedTable::Slice).
  absl::StatusOr<std::optional<CachedPagedTable>> GetPaged(absl::string_view peer,
                                                           absl::string_view purpose,
                                                           absl::Time now, absl::Duration max_age,
                                                           int epoch_days = 7) const;
  // Writes the held table updated by `update` (a delta is merged page by
  // page, never loading the table: PagedTable::WriteUpdated), atomically.
  // A delta that does not apply is DataLoss and changes nothing.
  absl::Status PutUpdate(absl::string_view peer, absl::string_view purpose, const PagedTable& held,
                         const TableUpdate& update, absl::Time fetched_at) const;
  // Deletes the cached table (a corrupt one, before refetching it).
  absl::Status Remove(absl::string_view peer, absl::string_view purpose) const;
  // Writes atomically (temporary file, fsync, rename).
  absl::Status Put(absl::string_view peer, absl::string_view purpose, const Table& table,
                   absl::Time fetched_at) const;

 private:
  absl::StatusOr<std::string> PathFor(absl::string_view peer, absl::string_view purpose) const;
  std::string dir_;
  const crypto::SealingKey* key_;
};

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_TABLE_CACHE_H_
