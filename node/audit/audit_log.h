// The node's append-only, tamper-evident access log (PROTOCOL.md "Audit
// log"): SQLite (DIR/audit.db, WAL, synchronous=FULL), each entry a leaf of
// an RFC 9162 Merkle tree, signed checkpoints (C2SP tlog-checkpoint, signed
// by the node's identity key, origin = node id).
//
// Append returns only once the entry is durable; concurrent appends share
// one transaction and one fsync (group commit). Several processes may append
// to one log (the server and CLI commands): indices are assigned inside the
// write transaction, and each process catches up with the others' leaves
// before it checkpoints.
//
// Open verifies the log: it recomputes the Merkle root of every stored
// entry and refuses (DataLoss, naming the entry or checkpoint) a log whose
// entries no longer match its checkpoints: a flipped byte, a deleted,
// reordered or truncated entry. Every checkpoint is also written to a second
// place, DIR/audit.head (the latest signed checkpoint note, 0600); Open
// refuses (DataLoss, naming both files and what to do) an audit.db that is
// missing, empty, shorter than that record, or whose entries are not the
// ones it signs, instead of silently starting a new log. Thread-safe.
#ifndef FEDLINK_NODE_AUDIT_AUDIT_LOG_H_
#define FEDLINK_NODE_AUDIT_AUDIT_LOG_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "crypto/identity.h"
#include "node/common/clock.h"

namespace fedlink::audit {

// One event, in plain C++ (serialized as fedlink.v1.AuditEntry). Never holds
// personal data: no names, selector values or external ids.
struct Event {
  std::string event;        // "match.evaluate.answered", "records.import", ...
  std::string requester;    // requesting node
  std::string responder;    // answering node
  std::string exchange_id;  // hex SHA-256 of the signed request envelope
  std::string purpose;
  std::string legal_basis;  // case or legal-basis reference
  std::string official;     // pseudonymous id of the requesting official
  uint64_t count = 0;
  uint64_t hits = 0;
  std::string outcome = "ok";
  std::string request_sha256;
  std::string answer_sha256;
  std::string peer_signed;  // the other side's signed bytes, when small
  std::string detail;
  // A request refused before it authenticated: the TLS client that sent it
  // (roster node id, or "sha256:" and its certificate's fingerprint).
  std::string tls_peer;
  // A follow-up's keyed commitment to its content (followup/content_commitment.h):
  // the content itself stays in the deletable follow-up store.
  std::string content_commitment;
};

// An entry's outcome field: "ok", or the refusal's code and reason.
std::string OutcomeOf(const absl::Status& status);

// Identity key changes (docs/audit.md, "Identity key changes"). The log's
// signing key changes only at an entry of this event, written by
// AuditLog::SwitchIdentity (Append refuses the name). The entry names the
// old and the new key and carries the old key's signature over
// IdentityTransitionMessage; the first checkpoint that covers it is signed
// by both keys, later ones by the new key alone. Verifiers (Open,
// VerifyExport) follow that chain of keys and refuse a change the current
// key did not sign, a checkpoint by a key the chain does not reach, a
// change back to a key the chain already had, and a transition checkpoint
// lacking either signature.
inline constexpr char kIdentitySwitchEvent[] = "keys.identity-switch";
std::string IdentityTransitionMessage(absl::string_view node_id, absl::string_view old_vkey,
                                      absl::string_view new_vkey, uint64_t index);

class AuditLog {
 public:
  // `signer` is the node's identity key (its name is the node id, the
  // checkpoints' origin); it signs checkpoints and verifies them on Open.
  // `next`, if given, is a new identity key waiting to take over
  // (`fedlink rotate identity`): a log that already changed to it (the
  // node stopped before it renamed identity.key.next) is opened signing
  // with it; a change to it that no checkpoint covers yet is finished by
  // the next Checkpoint. Both keys must outlive the log. A log whose chain
  // of keys ends at neither is refused (DataLoss).
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(const std::string& node_dir,
                                                        const crypto::SigningKey* signer,
                                                        common::Clock* clock = nullptr,
                                                        const crypto::SigningKey* next = nullptr);
  ~AuditLog();

  // The key the log signs with now (`signer`, or `next` once changed to).
  const crypto::SigningKey* signer();
  // Changes the log's signing key to `next` (which must outlive the log):
  // appends the kIdentitySwitchEvent entry, signed by the current key, and
  // a checkpoint signed by both keys. Returns the entry's index. Refused
  // (FailedPrecondition) when another process changed the key meanwhile;
  // a no-op if `next` already signs.
  absl::StatusOr<uint64_t> SwitchIdentity(const crypto::SigningKey* next);

  // Appends and returns the entry's index once it is durable.
  absl::StatusOr<uint64_t> Append(const Event& event);
  // Signs and stores a checkpoint of the current tree if it grew since the
  // last one; returns the latest checkpoint note.
  absl::StatusOr<std::string> Checkpoint();
  // The latest checkpoint issued (no new signature; it may not cover the
  // newest entries yet: the background checkpointer catches up within its
  // interval).
  std::string LatestCheckpoint();
  // Issues a checkpoint every `interval` while entries arrive, on a
  // background thread, until destruction. A second call keeps the first.
  void StartCheckpointing(absl::Duration interval);

  uint64_t size();
  // RFC 9162 consistency proof from old_size to new_size (for witnesses).
  absl::StatusOr<std::vector<std::string>> ConsistencyProof(uint64_t old_size, uint64_t new_size);
  // A witness's cosignature of our checkpoint of `size`: `cosigned_note` is
  // the checkpoint note with the witness's signature line.
  absl::Status AddCosignature(uint64_t size, absl::string_view witness,
                              absl::string_view witness_vkey, absl::string_view cosigned_note);
  // The largest checkpoint size `witness` has cosigned for us (0: none).
  absl::StatusOr<uint64_t> LastCosignedBy(absl::string_view witness);
  // The largest size `witness` has cosigned and the time it signed into
  // that cosignature, read together (one query, for the metrics scrape).
  struct LastCosignature {
    uint64_t size = 0;                     // 0: never cosigned
    absl::Time at = absl::InfinitePast();  // InfinitePast: never
  };
  absl::StatusOr<LastCosignature> LastCosignatureOf(absl::string_view witness);
  // Everything `fedlink audit export` writes (a fedlink.v1.AuditExport).
  absl::StatusOr<std::string> Export();

  struct Impl;

 private:
  explicit AuditLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// `fedlink audit verify` for one export: signatures, every checkpoint's
// root against the entries, checkpoint sizes increasing and the last one
// covering every entry. `expected_vkey`, if not empty, is the node's
// identity key as the roster lists it: it must be one of the keys of the
// log's chain (the log may have changed keys since that roster; each change
// is signed by the key before it). Errors name the entry index or
// checkpoint and the reason.
struct VerifiedExport {
  std::string node_id;
  uint64_t entries = 0;
  uint64_t checkpoints = 0;
  std::vector<std::string> witnesses;  // names of verified cosigners
  // Members that cosigned with a key the roster given no longer lists (an
  // identity key they rotated since): verified with that key, not counted.
  std::vector<std::string> witnesses_by_other_keys;
  // The log's identity keys, oldest first (one unless it changed keys).
  std::vector<std::string> identity_vkeys;
  std::vector<std::string> serialized_entries;
};
// `witness_vkeys` (node id -> vkey, from a roster), if not empty, must list
// every witness (a cosignature by another key of a listed witness goes to
// witnesses_by_other_keys); otherwise each witness key in the export is
// used as given.
absl::StatusOr<VerifiedExport> VerifyExport(
    absl::string_view export_bytes, absl::string_view expected_vkey = "",
    const std::map<std::string, std::string>& witness_vkeys = {});

}  // namespace fedlink::audit

#endif  // FEDLINK_NODE_AUDIT_AUDIT_LOG_H_
