// The responder's keys, all derived from one secret seed (DIR/oprf.seed):
//  - the OPRF key for (purpose, epoch, generation, key type), RFC 9497
//    DeriveKeyPair with info "fedlink/oprf/v2|PURPOSE|EPOCH|GENERATION|TYPE"
//    (TYPE a keyspec name): one key per key type, so that an element the
//    requester declares as of another type than it is matches nothing, and a
//    budget per key type counts what it says;
//  - the key generation (DIR/oprf.generation, 0 if absent), bumped by
//    Rekey: a consent withdrawal, a deletion, a policy change or a consent
//    that expired. Every table built under an older generation is useless;
//  - opaque handles, one per record, requester and key generation (the
//    epoch and generation of the keys the table was made under): "h" + 20
//    hex digits, a keyed BLAKE2b of (requester, epoch, generation, external
//    id). Two requesters get unrelated handles for the same record, and a
//    requester gets a new one at every epoch and re-keying; the owner
//    resolves a handle for kHandleLifetime after its key generation was last
//    in force (see LiveGenerations);
//  - slot ids: per table id and peer, stable across deltas, unlinkable
//    across peers and key generations.
#ifndef FEDLINK_NODE_PRIVATE_MATCH_KEYRING_H_
#define FEDLINK_NODE_PRIVATE_MATCH_KEYRING_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "crypto/aead.h"
#include "crypto/oprf.h"
#include "node/common/node_paths.h"
#include "node/match/keyspec.h"
#include "node/private_match/tag_table.h"
#include "node/store/record_store.h"

namespace fedlink::private_match {

// The keys a table is made under (and the handles it carries are issued
// under): the OPRF key's epoch and the node's key generation.
struct KeyGeneration {
  int64_t epoch = 0;
  int64_t generation = 0;
  friend bool operator==(const KeyGeneration& a, const KeyGeneration& b) {
    return a.epoch == b.epoch && a.generation == b.generation;
  }
};

// A handle resolves (for `fedlink resolve`, contact requests and match
// notices) while its key generation was in force at some time in the last
// kHandleLifetime: at least this long after the match that found it.
inline constexpr absl::Duration kHandleLifetime = absl::Hours(24 * 7);
// DIR/oprf.generation remembers when each generation of the last
// kHandleLifetime began, at most this many (the newest).
inline constexpr size_t kMaxRememberedGenerations = 1024;

class Keyring;

// Which records carry some of a set of handles, found in one pass over the
// records: built by Keyring::LookupFor for the requesters and key
// generations the handles may have been issued to and under. Each handle
// names (in clear, one byte) a tag of its requester and key generation, so a
// record costs one keyed hash per candidate whose tag some handle carries,
// not one per candidate. The keyring must outlive it.
class HandleLookup {
 public:
  struct Found {
    size_t handle;     // index into the handles looked up
    size_t requester;  // index into the requesters
  };
  // Appends to `found` the handles `external_id` was issued as.
  void Find(absl::string_view external_id, std::vector<Found>* found) const;
  bool empty() const { return candidates_.empty(); }

 private:
  friend class Keyring;
  struct Candidate {
    std::string context;  // requester and key generation, as hashed
    std::string tag;      // the handle's first two hex digits
    size_t requester;
  };
  const Keyring* keyring_ = nullptr;
  std::vector<Candidate> candidates_;  // only those whose tag a handle carries
  absl::flat_hash_map<std::string, std::vector<size_t>> wanted_;
};

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
//   ASSIGN_OR_RETURN(auto keys, keyring->KeysFor("victim-dedup", epoch, generation));
//   const std::string handle = keyring->HandleFor("ngo", {epoch, generation}, "v-1");
class Keyring {
 public:
  // Reads DIR/oprf.seed, creating it (0600, 32 random bytes) on first use.
  // PermissionDenied if the file is more open than 0600 or cannot be
  // created; DataLoss if it is not 32 bytes. With `seed_key` (the node's
  // data key, config::OpenedNode::file_key) the seed is sealed under it
  // (crypto/sealed_file.h) and DataLoss if it does not open.
  static absl::StatusOr<std::unique_ptr<Keyring>> Open(
      const common::NodePaths& paths, const crypto::SealingKey* seed_key = nullptr);
  Keyring(const Keyring&) = delete;
  Keyring& operator=(const Keyring&) = delete;
  ~Keyring();

  // The current key generation: DIR/oprf.generation, 0 if absent; DataLoss
  // if the file is not a non-negative number. Read from the file each time,
  // so a re-keying by another process (`fedlink records delete`) is seen.
  absl::StatusOr<int64_t> Generation() const;
  // Bumps the key generation (atomic replacement of DIR/oprf.generation),
  // noting that it began at `now`. After it every table built before is
  // useless: its tags were made under the old key, and requesters refetch.
  // Needs no seed, so commands that change records re-key without opening
  // the keyring.
  static absl::Status Rekey(const common::NodePaths& paths, absl::Time now);
  static absl::Status Rekey(const common::NodePaths& paths) { return Rekey(paths, absl::Now()); }
  absl::Status Rekey(absl::Time now) const { return Rekey(paths_, now); }
  absl::Status Rekey() const { return Rekey(paths_, absl::Now()); }
  // The key generations whose handles still resolve at `now`: every (epoch,
  // generation) in force at some time in the last kHandleLifetime, for
  // epochs of `epoch_days` days, the current one first. A generation whose
  // start is unknown (a node directory of an older fedlink) counts as in
  // force since ever; older ones of it are forgotten.
  absl::StatusOr<std::vector<KeyGeneration>> LiveGenerations(absl::Time now, int epoch_days) const;

  // The OPRF key for (purpose, epoch, generation, key type), and all of
  // them for a table.
  absl::StatusOr<std::unique_ptr<crypto::oprf::OprfKey>> KeyFor(absl::string_view purpose,
                                                                int64_t epoch, int64_t generation,
                                                                match::keyspec::KeyType type) const;
  absl::StatusOr<TableKeys> KeysFor(absl::string_view purpose, int64_t epoch,
                                    int64_t generation) const;

  // The opaque handle `requester` sees for a record in tables made under
  // `key`.
  std::string HandleFor(absl::string_view requester, const KeyGeneration& key,
                        absl::string_view external_id) const;
  // For finding `handles` among the records: issued to any of `requesters`
  // under any of `keys`.
  HandleLookup LookupFor(absl::Span<const std::string> requesters,
                         absl::Span<const KeyGeneration> keys,
                         absl::Span<const std::string> handles) const;

  struct Resolved {
    std::string external_id;
    std::string requester;  // the one the handle was issued to
  };
  // The record of `store` with that handle (owner only), issued to one of
  // `requesters` under one of `keys`; NotFound if none has it. One pass
  // over the records.
  absl::StatusOr<Resolved> Resolve(store::RecordStore* store,
                                   absl::Span<const std::string> requesters,
                                   absl::Span<const KeyGeneration> keys,
                                   absl::string_view handle) const;
  // Every handle of `store`'s records issued to one of `requesters` under
  // one of `keys`, and its external id (for `fedlink eval`).
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> AllHandles(
      store::RecordStore* store, absl::Span<const std::string> requesters,
      absl::Span<const KeyGeneration> keys) const;

  // The slot id of a record in the table `table_id` built for `peer`.
  uint64_t SlotId(absl::string_view table_id, absl::string_view peer,
                  absl::string_view external_id) const;

 private:
  friend class HandleLookup;
  // The hashed context of the handles issued to `requester` under `key`,
  // and the tag (two hex digits) they start with.
  std::string HandleContext(absl::string_view requester, const KeyGeneration& key) const;
  std::string HandleTag(absl::string_view context) const;
  std::string HandleIn(absl::string_view context, absl::string_view tag,
                       absl::string_view external_id) const;

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
