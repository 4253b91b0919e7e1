// The responder's keys, all derived from one secret seed (DIR/oprf.seed):
//  - the OPRF key for (purpose, epoch, generation), RFC 9497 DeriveKeyPair
//    with info "fedlink/oprf/v1|PURPOSE|EPOCH|GENERATION";
//  - the key generation (DIR/oprf.generation, 0 if absent), bumped by
//    Rekey: a consent withdrawal, a deletion, a policy change or a consent
//    that expired. Every table built under an older generation is useless;
//  - opaque handles ("h" + 20 hex digits of a keyed BLAKE2b of the external
//    id): stable for a record, meaningless to anyone without the seed;
//  - slot ids: per table id and peer, stable across deltas, unlinkable
//    across peers and key generations.
#ifndef FEDLINK_NODE_PRIVATE_MATCH_KEYRING_H_
#define FEDLINK_NODE_PRIVATE_MATCH_KEYRING_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/oprf.h"
#include "node/common/node_paths.h"
#include "node/store/record_store.h"

namespace fedlink::private_match {

// Security: the seed is read once, held in memory only by this object and
// wiped (sodium_memzero) on destruction, with the keys derived from it. The
// seed file is created 0600 on first use and refused if group or others
// may access it. Handles and slot ids reveal nothing of the external id to
// anyone without the seed.
//
// Thread-safety: thread-safe. The keys are immutable after Open; Rekey is
// serialised within the process (it reads and rewrites oprf.generation).
//
//   ASSIGN_OR_RETURN(auto keyring, Keyring::Open(paths));
//   ASSIGN_OR_RETURN(int64_t generation, keyring->Generation());
//   ASSIGN_OR_RETURN(auto key, keyring->KeyFor("victim-dedup", epoch, generation));
//   const std::string handle = keyring->HandleFor("v-1");
class Keyring {
 public:
  // Reads DIR/oprf.seed, creating it (0600, 32 random bytes) on first use.
  // PermissionDenied if the file is more open than 0600 or cannot be
  // created; DataLoss if it is not 32 bytes.
  static absl::StatusOr<std::unique_ptr<Keyring>> Open(const common::NodePaths& paths);
  Keyring(const Keyring&) = delete;
  Keyring& operator=(const Keyring&) = delete;
  ~Keyring();

  // The current key generation: DIR/oprf.generation, 0 if absent; DataLoss
  // if the file is not a non-negative number. Read from the file each time,
  // so a re-keying by another process (`fedlink records delete`) is seen.
  absl::StatusOr<int64_t> Generation() const;
  // Bumps the key generation (atomic replacement of DIR/oprf.generation).
  // After it every table built before is useless: its tags were made under
  // the old key, and requesters refetch. Needs no seed, so commands that
  // change records re-key without opening the keyring.
  static absl::Status Rekey(const common::NodePaths& paths);
  absl::Status Rekey() const { return Rekey(paths_); }

  // The OPRF key for (purpose, epoch, generation).
  absl::StatusOr<std::unique_ptr<crypto::oprf::OprfKey>> KeyFor(absl::string_view purpose,
                                                                int64_t epoch,
                                                                int64_t generation) const;

  // The opaque handle peers see for a record.
  std::string HandleFor(absl::string_view external_id) const;
  // The external id of the record of `store` with that handle (owner only);
  // NotFound if none has it. One pass over the records.
  absl::StatusOr<std::string> Resolve(store::RecordStore* store, absl::string_view handle) const;
  // Every handle of `store`'s records and its external id (for `fedlink eval`).
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> AllHandles(
      store::RecordStore* store) const;

  // The slot id of a record in the table `table_id` built for `peer`.
  uint64_t SlotId(absl::string_view table_id, absl::string_view peer,
                  absl::string_view external_id) const;

 private:
  Keyring(common::NodePaths paths, std::string seed, std::string handle_key, std::string slot_key)
      : paths_(std::move(paths)),
        seed_(std::move(seed)),
        handle_key_(std::move(handle_key)),
        slot_key_(std::move(slot_key)) {}

  const common::NodePaths paths_;
  std::string seed_;        // wiped on destruction
  std::string handle_key_;  // wiped on destruction
  std::string slot_key_;    // wiped on destruction
};

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_KEYRING_H_
