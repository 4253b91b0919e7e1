// The node's own person records, in SQLite (DIR/node.db).
#ifndef FEDLINK_NODE_STORE_RECORD_STORE_H_
#define FEDLINK_NODE_STORE_RECORD_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "crypto/data_key.h"
#include "node/common/clock.h"
#include "node/record/person.h"

namespace fedlink::store {

struct UpsertCounts {
  uint64_t inserted = 0;
  uint64_t updated = 0;  // distinct external ids that were already stored
};

// The records of an upsert in batches, in order, for RecordStore::
// UpsertStream: fills *batch (empty on the call) with the next records and
// returns true, or returns false when there are no more. An error stops
// the upsert, which then writes nothing.
using PersonSource = std::function<absl::StatusOr<bool>(std::vector<record::Person>* batch)>;

// The store interface. Every write is one transaction: it applies completely
// or not at all. Implementations are thread-safe.
//
//   auto store = OpenRecordStore(dir + "/node.db", {.create = true});
//   auto counts = (*store)->Upsert(persons);  // all-or-nothing
class RecordStore {
 public:
  virtual ~RecordStore() = default;

  // Inserts new external_ids and replaces existing ones (upsert): a record
  // is never duplicated.
  // A repeated external_id in `persons` replaces the earlier record in
  // its place.
  virtual absl::StatusOr<UpsertCounts> Upsert(absl::Span<const record::Person> persons) = 0;
  // Upsert of every record `next` hands out, in one transaction, without
  // holding them all: the next batch is fetched (and sealed) on another
  // thread while the writer stores the previous one. Same result as Upsert
  // of all the batches' records in order; an error from `next` or from the
  // store rolls back everything, including batches already written.
  virtual absl::StatusOr<UpsertCounts> UpsertStream(const PersonSource& next) = 0;
  virtual absl::StatusOr<std::optional<record::Person>> Get(absl::string_view external_id) = 0;
  // Returns false if there was no such record.
  virtual absl::StatusOr<bool> Delete(absl::string_view external_id) = 0;
  virtual absl::StatusOr<uint64_t> Count() = 0;
  virtual absl::StatusOr<std::map<record::Role, uint64_t>> CountByRole() = 0;
  // Calls fn for every record in external_id order; stops at the first error.
  virtual absl::Status ForEach(const std::function<absl::Status(const record::Person&)>& fn) = 0;
  absl::StatusOr<std::vector<record::Person>> LoadAll();
  // ForEach in one snapshot with the store's version (it counts write
  // transactions) and, in `changed` if not null, the external ids upserted
  // or deleted after version `since` (for tag-table deltas), read before the
  // first call of fn.
  virtual absl::StatusOr<uint64_t> ForEachSince(
      uint64_t since, absl::flat_hash_set<std::string>* changed,
      const std::function<absl::Status(const record::Person&)>& fn) = 0;

  // Whether any record's consent expires in (after, until] (unix seconds;
  // 0 = no expiry).
  virtual absl::StatusOr<bool> AnyConsentExpiresIn(int64_t after, int64_t until) = 0;

  virtual int schema_version() const = 0;
};

struct RecordStoreOptions {
  bool create = false;             // create the database if missing (fedlink init)
  common::Clock* clock = nullptr;  // defaults to Clock::Real()
  // The node's data key: records are sealed under it (each bound to its row),
  // external ids stored as keyed digests; rows a plaintext store holds are
  // sealed on open, in one transaction. Null: the plaintext store of a node
  // made before encryption at rest, which must hold no sealed record.
  const crypto::DataKey* data_key = nullptr;
  // If not null: how many plaintext rows were sealed on open.
  uint64_t* sealed_on_open = nullptr;
};

// Opens (and migrates) the SQLite record store at `path`. A database written
// by a newer fedlink is refused with FailedPrecondition; a file that is not a
// database is DataLoss.
absl::StatusOr<std::unique_ptr<RecordStore>> OpenRecordStore(const std::string& path,
                                                             const RecordStoreOptions& options);

// Data-key rotation (config/data_key_rotation.h): writes a compacted copy
// of the sealed store at `from` to the new file `to` and there seals every
// record and change-log entry again under `next` (new row keys: the
// external ids' digests under `next`), in one transaction, then compacts it
// again so no ciphertext under `current` stays in its free pages. `from` is
// not changed. A row that does not open under `current` stops it (DataLoss
// naming the row). `progress`, if set, is called with (done, total) records
// every 1000 records and at the end. Returns the number of records.
absl::StatusOr<uint64_t> ResealRecordStore(const std::string& from, const std::string& to,
                                           const crypto::DataKey& current,
                                           const crypto::DataKey& next,
                                           const std::function<void(uint64_t, uint64_t)>& progress);

// The newest schema version this binary knows.
int RecordStoreSchemaVersion();

}  // namespace fedlink::store

#endif  // FEDLINK_NODE_STORE_RECORD_STORE_H_
