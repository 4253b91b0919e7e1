#include "node/audit/audit_log.h"

#include <algorithm>
#include <optional>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "crypto/merkle_frontier.h"
#include "crypto/signed_note.h"
#include "fedlink/v1/audit.pb.h"
#include "node/common/node_paths.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/store/sqlite.h"

namespace fedlink::audit {
namespace {

constexpr store::sqlite::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE entries (
  idx INTEGER PRIMARY KEY,
  leaf BLOB NOT NULL
);
CREATE TABLE checkpoints (
  size INTEGER PRIMARY KEY,
  note TEXT NOT NULL
);
)sql"},
    {2, R"sql(
CREATE TABLE cosignatures (
  size INTEGER NOT NULL,
  witness TEXT NOT NULL,
  witness_vkey TEXT NOT NULL,
  note TEXT NOT NULL,
  PRIMARY KEY (size, witness)
);
)sql"},
    // Where the log's identity key changes (an index of the
    // kIdentitySwitchEvent entries, so that Open parses only those; Open
    // checks each against its entry and refuses a log whose checkpoints
    // need a change the table misses).
    {3, R"sql(
CREATE TABLE key_changes (
  idx INTEGER PRIMARY KEY,
  new_vkey TEXT NOT NULL
);
)sql"},
};

std::string Serialize(const Event& e, absl::Time now) {
  fedlink::v1::AuditEntry entry;
  entry.set_event(e.event);
  entry.set_time_unix_micros(absl::ToUnixMicros(now));
  entry.set_requester(e.requester);
  entry.set_responder(e.responder);
  entry.set_exchange_id(e.exchange_id);
  entry.set_purpose(e.purpose);
  entry.set_legal_basis(e.legal_basis);
  entry.set_official(e.official);
  entry.set_count(e.count);
  entry.set_hits(e.hits);
  entry.set_outcome(e.outcome);
  entry.set_request_sha256(e.request_sha256);
  entry.set_answer_sha256(e.answer_sha256);
  entry.set_peer_signed(e.peer_signed);
  entry.set_detail(e.detail);
  entry.set_tls_peer(e.tls_peer);
  entry.set_content_commitment(e.content_commitment);
  return entry.SerializeAsString();
}

// Walks leaves in order against checkpoints (sorted by size), checking each
// checkpoint's signature and root, and follows the log's chain of identity
// keys (kIdentitySwitchEvent entries).
class CheckpointWalker {
 public:
  explicit CheckpointWalker(crypto::Verifier first) {
    had_.insert(first.public_key);
    chain_.push_back(std::move(first));
  }

  // Feeds the next leaf.
  void Add(absl::string_view leaf) { frontier_.Append(crypto::merkle::LeafHash(leaf)); }
  uint64_t size() const { return frontier_.size(); }
  // The root of the leaves fed so far.
  std::string Root() const { return frontier_.Root(); }

  // The last leaf fed (index size() - 1) is a key change: checks it is
  // signed by the current key, names it as the old one and does not go back
  // to a key of the chain. The next checkpoint must carry both signatures.
  absl::Status AddKeyChange(const fedlink::v1::AuditEntry& e) {
    const uint64_t index = size() - 1;
    auto refuse = [&](absl::string_view why) {
      return absl::DataLossError(absl::StrCat("entry ", index, ": identity key change ", why));
    };
    if (pending_.has_value()) return refuse("before a checkpoint signed the one before it");
    auto old_key = crypto::Verifier::Parse(e.old_identity_vkey());
    auto new_key = crypto::Verifier::Parse(e.new_identity_vkey());
    if (!old_key.ok() || !new_key.ok()) return refuse("with a malformed key");
    const crypto::Verifier& current = chain_.back();
    if (old_key->name != current.name || old_key->public_key != current.public_key) {
      return refuse(absl::StrCat("is not from the log's current key ", current.ToString()));
    }
    if (new_key->name != current.name) return refuse("to a key of another name");
    // A set, not a walk over the chain: a log (or an export a peer sends)
    // of n key changes costs n look-ups, not n^2 / 2 comparisons.
    if (had_.count(new_key->public_key) != 0) {
      return refuse(absl::StrCat("goes back to ", new_key->ToString(), ", a key the log had"));
    }
    if (!current
             .Verify(IdentityTransitionMessage(current.name, e.old_identity_vkey(),
                                               e.new_identity_vkey(), index),
                     e.transition_signature())
             .ok()) {
      return refuse(absl::StrCat("is not signed by the log's current key ", current.ToString(),
                                 " (altered, replayed or forged)"));
    }
    pending_ = *std::move(new_key);
    return absl::OkStatus();
  }

  // Checks the signed `note` for a tree of exactly size() leaves: signed by
  // the current key (and the next one, for the first checkpoint after a
  // key change).
  absl::Status Check(absl::string_view note, uint64_t expected_size) {
    ASSIGN_OR_RETURN(auto cp, VerifySignatures(note, expected_size));
    return Check(cp, expected_size);
  }
  absl::StatusOr<crypto::checkpoint::Checkpoint> VerifySignatures(absl::string_view note,
                                                                  uint64_t expected_size) const {
    auto cp = crypto::checkpoint::Verify(note, chain_.back());
    if (!cp.ok()) {
      return absl::DataLossError(
          absl::StrCat("checkpoint of size ", expected_size, ": ", cp.status().message(),
                       chain_.size() > 1 || pending_.has_value()
                           ? absl::StrCat(" (the log's key here: ", chain_.back().ToString(), ")")
                           : ""));
    }
    if (pending_.has_value()) {
      if (auto by_new = crypto::checkpoint::Verify(note, *pending_); !by_new.ok()) {
        return absl::DataLossError(absl::StrCat(
            "checkpoint of size ", expected_size, ", the first after the identity key change to ",
            pending_->ToString(), ", is not signed by the new key: ", by_new.status().message()));
      }
    }
    return cp;
  }
  // The same for a checkpoint whose signature the caller verified (with
  // VerifySignatures).
  absl::Status Check(const crypto::checkpoint::Checkpoint& cp, uint64_t expected_size) {
    if (cp.size != expected_size || (last_size_ != 0 && cp.size <= last_size_)) {
      return absl::DataLossError(
          absl::StrCat("checkpoint of size ", expected_size, " names size ", cp.size));
    }
    if (cp.root_hash != frontier_.Root()) {
      return absl::DataLossError(absl::StrCat("entries ", last_size_, " to ", expected_size - 1,
                                              " do not match the signed checkpoint of size ",
                                              expected_size,
                                              " (changed, removed, inserted or reordered)"));
    }
    last_size_ = cp.size;
    if (pending_.has_value()) {
      had_.insert(pending_->public_key);
      chain_.push_back(*std::move(pending_));
      pending_.reset();
    }
    return absl::OkStatus();
  }
  uint64_t last_checkpoint_size() const { return last_size_; }
  // The key that signs the log's checkpoints now, and a change to a next
  // one that no checkpoint covers yet.
  const crypto::Verifier& current() const { return chain_.back(); }
  const std::optional<crypto::Verifier>& pending() const { return pending_; }
  std::vector<std::string> ChainVkeys() const {
    std::vector<std::string> out;
    for (const crypto::Verifier& k : chain_) out.push_back(k.ToString());
    return out;
  }
  // The tree of every leaf fed so far (the log keeps appending to it).
  crypto::merkle::Frontier TakeFrontier() && { return std::move(frontier_); }

 private:
  std::vector<crypto::Verifier> chain_;
  std::set<std::string> had_;  // the public keys of chain_
  std::optional<crypto::Verifier> pending_;
  crypto::merkle::Frontier frontier_;
  uint64_t last_size_ = 0;
};

bool SameKey(const crypto::Verifier& a, const crypto::SigningKey& b) {
  return a.name == b.name() && a.public_key == b.public_key();
}

// The log's head record, DIR/audit.head: its latest signed checkpoint note,
// rewritten with every checkpoint. A second place that knows the log's size
// and root, so that Open can tell a wiped, emptied, truncated or replaced
// audit.db from a new log. Missing for a log that never checkpointed (or
// was written before fedlink kept it: Open then writes it).
struct Head {
  std::string path;
  std::string note;
  std::optional<crypto::checkpoint::Checkpoint> checkpoint;  // none: no record
};

absl::Status BadHead(const std::string& path, const absl::Status& why) {
  return absl::DataLossError(absl::StrCat(path, ": not a checkpoint of this node's access log (",
                                          why.message(), "); restore it from a backup"));
}

// Reads the head record; its signature is checked (VerifyHead) once the
// walk over the log knows which identity key signs it.
absl::StatusOr<Head> ReadHead(const common::NodePaths& paths) {
  Head head;
  head.path = paths.audit_head();
  if (common::FileMTimeNanos(head.path) < 0) return head;
  ASSIGN_OR_RETURN(head.note, common::ReadWholeFile(head.path, 64 << 10));
  auto parsed = crypto::note::Parse(head.note);
  if (!parsed.ok()) return BadHead(head.path, parsed.status());
  auto cp = crypto::checkpoint::Checkpoint::ParseBody(parsed->text);
  if (!cp.ok()) return BadHead(head.path, cp.status());
  head.checkpoint = *std::move(cp);
  return head;
}

// The head is signed by one of the log's identity keys (the latest, or the
// one before while a change is not yet checkpointed).
absl::Status VerifyHead(const Head& head, const std::vector<crypto::Verifier>& keys) {
  if (!head.checkpoint.has_value()) return absl::OkStatus();
  absl::Status why = absl::OkStatus();
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
    auto cp = crypto::checkpoint::Verify(head.note, *it);
    if (cp.ok()) return absl::OkStatus();
    if (why.ok()) why = cp.status();
  }
  return BadHead(head.path, why);
}

// Refused: audit.db lacks the log the head record names.
absl::Status LogLost(const Head& head, const std::string& db_path, absl::string_view what) {
  return absl::DataLossError(absl::StrCat(
      db_path, ": ", what, ", but ", head.path, " records a signed log of ", head.checkpoint->size,
      " entries: the access log was wiped, emptied, truncated or replaced. fedlink will not start "
      "a new log over it: restore audit.db (with its -wal file) and audit.head from the same "
      "backup. Only if the log is lost for good, move ",
      head.path,
      " aside to start a new one (witnesses and auditors will see that it does not "
      "extend the old)."));
}

}  // namespace

struct AuditLog::Impl {
  std::string node_id;
  common::Clock* clock = nullptr;
  // The key that signs now; after SwitchIdentity wrote the change entry and
  // until a checkpoint covers it, `next` signs too (then replaces it).
  const crypto::SigningKey* signer ABSL_GUARDED_BY(mu) = nullptr;
  const crypto::SigningKey* next ABSL_GUARDED_BY(mu) = nullptr;
  bool change_pending ABSL_GUARDED_BY(mu) = false;
  int64_t key_changes ABSL_GUARDED_BY(mu) = 0;  // rows of key_changes this process knows

  absl::Mutex mu;  // the database and the Merkle state
  std::unique_ptr<store::sqlite::Database> db ABSL_GUARDED_BY(mu);
  std::string head_path;  // DIR/audit.head
  crypto::merkle::Frontier frontier ABSL_GUARDED_BY(mu);
  uint64_t checkpoint_size ABSL_GUARDED_BY(mu) = 0;
  std::string checkpoint_note ABSL_GUARDED_BY(mu);

  // Group commit: the first waiting appender writes everyone's entries.
  struct Pending {
    std::string leaf;
    uint64_t index = 0;
    absl::Status status;
    bool done = false;
  };
  absl::Mutex queue_mu;
  std::vector<Pending*> queue ABSL_GUARDED_BY(queue_mu);
  bool writing ABSL_GUARDED_BY(queue_mu) = false;
  size_t last_batch ABSL_GUARDED_BY(queue_mu) = 0;

  absl::Mutex stop_mu;
  bool stop ABSL_GUARDED_BY(stop_mu) = false;
  std::thread checkpointer;

  // Appends leaves other processes wrote (and ours) to the frontier.
  absl::Status CatchUp() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    ASSIGN_OR_RETURN(auto st,
                     db->Prepare("SELECT idx, leaf FROM entries WHERE idx >= ?1 ORDER BY idx"));
    st->Bind(1, static_cast<int64_t>(frontier.size()));
    for (;;) {
      ASSIGN_OR_RETURN(auto row, st->Step());
      if (!row) return absl::OkStatus();
      if (static_cast<uint64_t>(st->ColumnInt64(0)) != frontier.size()) {
        return absl::DataLossError(
            absl::StrCat("audit log: entry ", frontier.size(), " is missing"));
      }
      frontier.Append(crypto::merkle::LeafHash(st->ColumnBlob(1)));
    }
  }

  absl::Status WriteBatch(const std::vector<Pending*>& batch) {
    absl::MutexLock lock(&mu);
    ASSIGN_OR_RETURN(auto tx, db->Begin());
    ASSIGN_OR_RETURN(auto next_st, db->Prepare("SELECT COALESCE(MAX(idx) + 1, 0) FROM entries"));
    RETURN_IF_ERROR(next_st->Step());
    int64_t next = next_st->ColumnInt64(0);
    ASSIGN_OR_RETURN(auto insert, db->Prepare("INSERT INTO entries (idx, leaf) VALUES (?1, ?2)"));
    for (Pending* p : batch) {
      insert->Bind(1, next).BindBlob(2, p->leaf);
      RETURN_IF_ERROR(insert->Run());
      p->index = static_cast<uint64_t>(next++);
    }
    RETURN_IF_ERROR(tx->Commit());
    return CatchUp();
  }

  absl::StatusOr<std::string> Checkpoint() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    RETURN_IF_ERROR(CatchUp());
    if (frontier.size() == checkpoint_size && !checkpoint_note.empty()) return checkpoint_note;
    // In a write transaction: every process's checkpoints, and so the head
    // record, follow each other in size order.
    ASSIGN_OR_RETURN(auto tx, db->Begin());
    RETURN_IF_ERROR(CatchUp());
    RETURN_IF_ERROR(CheckKeyUnchanged());
    crypto::checkpoint::Checkpoint cp;
    cp.origin = node_id;
    cp.size = frontier.size();
    cp.root_hash = frontier.Root();
    ASSIGN_OR_RETURN(auto note, crypto::checkpoint::Sign(cp, *signer));
    if (change_pending) {
      // The first checkpoint after a key change: the new key signs too.
      ASSIGN_OR_RETURN(const std::string by_next, crypto::checkpoint::Sign(cp, *next));
      ASSIGN_OR_RETURN(const crypto::note::Note parsed, crypto::note::Parse(by_next));
      ASSIGN_OR_RETURN(note, crypto::note::AddSignatures(note, parsed.signatures));
    }
    ASSIGN_OR_RETURN(auto st,
                     db->Prepare("INSERT OR IGNORE INTO checkpoints (size, note) VALUES (?1, ?2)"));
    st->Bind(1, static_cast<int64_t>(cp.size)).Bind(2, note);
    RETURN_IF_ERROR(st->Run());
    // The entries it covers are committed: the head may name them before
    // the checkpoint row is.
    RETURN_IF_ERROR(common::WriteFileAtomically(head_path, note));
    RETURN_IF_ERROR(tx->Commit());
    checkpoint_size = cp.size;
    checkpoint_note = note;
    if (change_pending) {
      signer = next;
      change_pending = false;
    }
    return checkpoint_note;
  }

  // Another process changed the log's identity key: this one's key no
  // longer signs it (a running server restarts to load the new key).
  absl::Status CheckKeyUnchanged() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    ASSIGN_OR_RETURN(auto st, db->Prepare("SELECT COUNT(*) FROM key_changes"));
    RETURN_IF_ERROR(st->Step());
    if (st->ColumnInt64(0) != key_changes) {
      return absl::FailedPreconditionError(
          "audit log: the node's identity key changed in another process (roster install "
          "after `fedlink rotate identity`); restart to sign with the new key");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> SwitchIdentity(const crypto::SigningKey* to)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (to->name() != node_id) {
      return absl::InvalidArgumentError(
          absl::StrCat("new identity key is named '", to->name(), "', the node is ", node_id));
    }
    if (to->public_key() == signer->public_key() ||
        (change_pending && to->public_key() == next->public_key())) {
      RETURN_IF_ERROR(Checkpoint().status());
      return frontier.size() - 1;
    }
    if (change_pending) {
      return absl::FailedPreconditionError("audit log: an identity key change is under way");
    }
    ASSIGN_OR_RETURN(auto tx, db->Begin());
    RETURN_IF_ERROR(CatchUp());
    RETURN_IF_ERROR(CheckKeyUnchanged());
    const uint64_t index = frontier.size();
    fedlink::v1::AuditEntry entry;
    entry.set_event(kIdentitySwitchEvent);
    entry.set_time_unix_micros(absl::ToUnixMicros(clock->Now()));
    entry.set_requester(node_id);
    entry.set_outcome("ok");
    entry.set_old_identity_vkey(signer->VerifierKey());
    entry.set_new_identity_vkey(to->VerifierKey());
    entry.set_transition_signature(signer->Sign(IdentityTransitionMessage(
        node_id, entry.old_identity_vkey(), entry.new_identity_vkey(), index)));
    ASSIGN_OR_RETURN(auto insert, db->Prepare("INSERT INTO entries (idx, leaf) VALUES (?1, ?2)"));
    insert->Bind(1, static_cast<int64_t>(index)).BindBlob(2, entry.SerializeAsString());
    RETURN_IF_ERROR(insert->Run());
    ASSIGN_OR_RETURN(auto change,
                     db->Prepare("INSERT INTO key_changes (idx, new_vkey) VALUES (?1, ?2)"));
    change->Bind(1, static_cast<int64_t>(index)).Bind(2, to->VerifierKey());
    RETURN_IF_ERROR(change->Run());
    RETURN_IF_ERROR(tx->Commit());
    ++key_changes;
    next = to;
    change_pending = true;
    RETURN_IF_ERROR(CatchUp());
    // The entry is durable; the checkpoint signed by both keys follows (or,
    // after a crash, the first checkpoint of the next Open with `next`).
    RETURN_IF_ERROR(Checkpoint().status());
    return index;
  }
};

std::string IdentityTransitionMessage(absl::string_view node_id, absl::string_view old_vkey,
                                      absl::string_view new_vkey, uint64_t index) {
  return absl::StrCat("fedlink identity key change v1\n", node_id, "\n", old_vkey, "\n", new_vkey,
                      "\n", index, "\n");
}

std::string OutcomeOf(const absl::Status& status) {
  return status.ok()
             ? "ok"
             : absl::StrCat(absl::StatusCodeToString(status.code()), ": ", status.message());
}

AuditLog::AuditLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AuditLog::~AuditLog() {
  {
    absl::MutexLock lock(&impl_->stop_mu);
    impl_->stop = true;
  }
  if (impl_->checkpointer.joinable()) impl_->checkpointer.join();
  absl::MutexLock lock(&impl_->mu);
  if (impl_->db != nullptr) (void)impl_->Checkpoint();  // cover what we wrote
}

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& node_dir,
                                                         const crypto::SigningKey* signer,
                                                         common::Clock* clock,
                                                         const crypto::SigningKey* next) {
  if (signer == nullptr) return absl::InvalidArgumentError("audit log needs the node key");
  auto impl = std::make_unique<Impl>();
  impl->node_id = signer->name();
  impl->clock = clock ? clock : common::Clock::Real();
  ASSIGN_OR_RETURN(const crypto::Verifier own, crypto::Verifier::Parse(signer->VerifierKey()));
  const common::NodePaths paths(node_dir);
  impl->head_path = paths.audit_head();
  ASSIGN_OR_RETURN(const Head head, ReadHead(paths));
  const bool recorded = head.checkpoint.has_value() && head.checkpoint->size > 0;
  if (recorded && common::FileMTimeNanos(paths.audit_db()) < 0) {
    std::vector<crypto::Verifier> ours = {own};
    if (next != nullptr) {
      ASSIGN_OR_RETURN(crypto::Verifier theirs, crypto::Verifier::Parse(next->VerifierKey()));
      ours.push_back(std::move(theirs));
    }
    RETURN_IF_ERROR(VerifyHead(head, ours));
    return LogLost(head, paths.audit_db(), "is missing");
  }
  ASSIGN_OR_RETURN(auto db, store::sqlite::Database::Open(
                                paths.audit_db(), {.create = true, .synchronous_full = true}));
  RETURN_IF_ERROR(db->Migrate(kMigrations));

  // The log's identity key changes (key_changes indexes their entries; the
  // walk checks each against its entry). The chain starts at the first
  // change's old key, or at ours.
  std::map<uint64_t, std::string> changes;  // entry index -> new vkey
  {
    ASSIGN_OR_RETURN(auto st, db->Prepare("SELECT idx, new_vkey FROM key_changes ORDER BY idx"));
    for (;;) {
      ASSIGN_OR_RETURN(auto row, st->Step());
      if (!row) break;
      changes[static_cast<uint64_t>(st->ColumnInt64(0))] = st->ColumnText(1);
    }
  }
  std::vector<crypto::Verifier> chain_keys;  // for the head record
  crypto::Verifier first = own;
  if (!changes.empty()) {
    ASSIGN_OR_RETURN(auto st, db->Prepare("SELECT leaf FROM entries WHERE idx = ?1"));
    st->Bind(1, static_cast<int64_t>(changes.begin()->first));
    ASSIGN_OR_RETURN(auto row, st->Step());
    fedlink::v1::AuditEntry e;
    auto parsed = row && e.ParseFromString(st->ColumnBlob(0))
                      ? crypto::Verifier::Parse(e.old_identity_vkey())
                      : absl::StatusOr<crypto::Verifier>(absl::DataLossError("missing"));
    if (!parsed.ok()) {
      return absl::DataLossError(absl::StrCat("audit log: entry ", changes.begin()->first,
                                              ", an identity key change, is missing or altered"));
    }
    first = *parsed;
  }
  chain_keys.push_back(first);
  for (const auto& [idx, vkey] : changes) {
    auto k = crypto::Verifier::Parse(vkey);
    if (!k.ok()) {
      return absl::DataLossError(
          absl::StrCat("audit log: the key change at entry ", idx, " names a malformed key"));
    }
    chain_keys.push_back(*k);
  }
  RETURN_IF_ERROR(VerifyHead(head, chain_keys));

  // Verify: every entry present and in order, every checkpoint signed by
  // the log's key of its time and matching the entries it covers.
  CheckpointWalker walker(first);
  ASSIGN_OR_RETURN(auto cps, db->Prepare("SELECT size, note FROM checkpoints ORDER BY size"));
  ASSIGN_OR_RETURN(auto entries, db->Prepare("SELECT idx, leaf FROM entries ORDER BY idx"));
  std::string last_note;
  uint64_t last_size = 0;
  bool head_matched = !recorded;
  auto next_entry = [&]() -> absl::StatusOr<bool> {
    ASSIGN_OR_RETURN(auto row, entries->Step());
    if (!row) return false;
    const uint64_t idx = static_cast<uint64_t>(entries->ColumnInt64(0));
    if (idx != walker.size()) {
      return absl::DataLossError(
          absl::StrCat("audit log: entry ", walker.size(), " is missing (deleted or reordered)"));
    }
    walker.Add(entries->ColumnBlob(1));
    if (auto change = changes.find(idx); change != changes.end()) {
      fedlink::v1::AuditEntry e;
      if (!e.ParseFromString(entries->ColumnBlob(1)) || e.event() != kIdentitySwitchEvent ||
          e.new_identity_vkey() != change->second) {
        return absl::DataLossError(
            absl::StrCat("audit log: entry ", idx, " is not the identity key change recorded"));
      }
      if (auto s = walker.AddKeyChange(e); !s.ok()) {
        return absl::DataLossError(absl::StrCat("audit log: ", s.message()));
      }
    }
    if (recorded && walker.size() == head.checkpoint->size) {
      if (walker.Root() != head.checkpoint->root_hash) {
        return LogLost(head, paths.audit_db(),
                       absl::StrCat("its first ", walker.size(),
                                    " entries are not the ones signed in the head record"));
      }
      head_matched = true;
    }
    return true;
  };
  for (;;) {
    ASSIGN_OR_RETURN(auto row, cps->Step());
    if (!row) break;
    const uint64_t size = static_cast<uint64_t>(cps->ColumnInt64(0));
    while (walker.size() < size) {
      ASSIGN_OR_RETURN(auto more, next_entry());
      if (!more) {
        return absl::DataLossError(absl::StrCat("audit log: truncated: the checkpoint of size ",
                                                size, " covers entries that are gone (",
                                                walker.size(), " left)"));
      }
    }
    const std::string note = cps->ColumnText(1);
    if (auto s = walker.Check(note, size); !s.ok()) {
      return absl::DataLossError(absl::StrCat("audit log: ", s.message()));
    }
    last_note = note;
    last_size = size;
  }
  for (;;) {  // entries after the last checkpoint (a crash before it)
    ASSIGN_OR_RETURN(auto more, next_entry());
    if (!more) break;
  }
  if (!head_matched) {
    return LogLost(head, paths.audit_db(), absl::StrCat("it holds ", walker.size(), " entries"));
  }
  // Which of our keys signs the log now.
  const crypto::Verifier& current = walker.current();
  const std::optional<crypto::Verifier>& pending = walker.pending();
  auto refuse = [&](absl::string_view what) {
    return absl::DataLossError(
        absl::StrCat("audit log: ", what, "; this node's identity key is ", signer->VerifierKey(),
                     next != nullptr ? absl::StrCat(" (and ", next->VerifierKey(), " waits)") : "",
                     ": the log is another node's, or identity.key was replaced"));
  };
  if (pending.has_value()) {
    // A change whose checkpoint a crash prevented: the next one finishes it.
    if (!SameKey(current, *signer) || next == nullptr || !SameKey(*pending, *next)) {
      return refuse(absl::StrCat("it changes its key from ", current.ToString(), " to ",
                                 pending->ToString()));
    }
    impl->signer = signer;
    impl->next = next;
    impl->change_pending = true;
  } else if (SameKey(current, *signer)) {
    impl->signer = signer;
  } else if (next != nullptr && SameKey(current, *next)) {
    impl->signer = next;  // changed; identity.key not renamed yet
  } else {
    return refuse(absl::StrCat("it is signed by ", current.ToString()));
  }
  impl->key_changes = static_cast<int64_t>(changes.size());
  // A log from before the head record: the record starts with its latest
  // checkpoint.
  if (!head.checkpoint.has_value() && !last_note.empty()) {
    RETURN_IF_ERROR(common::WriteFileAtomically(impl->head_path, last_note));
  }
  impl->frontier = std::move(walker).TakeFrontier();
  impl->checkpoint_size = last_size;
  impl->checkpoint_note = last_note;
  {
    absl::MutexLock lock(&impl->mu);
    impl->db = std::move(db);
  }
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(impl)));
}

const crypto::SigningKey* AuditLog::signer() {
  absl::MutexLock lock(&impl_->mu);
  return impl_->change_pending ? impl_->next : impl_->signer;
}

absl::StatusOr<uint64_t> AuditLog::SwitchIdentity(const crypto::SigningKey* next) {
  if (next == nullptr) return absl::InvalidArgumentError("no new identity key");
  absl::MutexLock lock(&impl_->mu);
  return impl_->SwitchIdentity(next);
}

absl::StatusOr<uint64_t> AuditLog::Append(const Event& event) {
  if (event.event == kIdentitySwitchEvent) {
    return absl::InvalidArgumentError(
        "audit log: identity key changes are written by "
        "SwitchIdentity only");
  }
  Impl::Pending p;
  p.leaf = Serialize(event, impl_->clock->Now());
  impl_->queue_mu.Lock();
  impl_->queue.push_back(&p);
  while (!p.done) {
    if (!impl_->writing) {
      impl_->writing = true;
      if (impl_->last_batch > 1) {
        // Others are appending too: give them a moment to join this commit
        // (one fsync for all) rather than each paying for its own.
        impl_->queue_mu.Unlock();
        absl::SleepFor(absl::Microseconds(200));
        impl_->queue_mu.Lock();
      }
      std::vector<Impl::Pending*> batch;
      batch.swap(impl_->queue);
      impl_->last_batch = batch.size();
      impl_->queue_mu.Unlock();
      const absl::Status s = impl_->WriteBatch(batch);
      impl_->queue_mu.Lock();
      for (Impl::Pending* q : batch) {
        q->status = s;
        q->done = true;
      }
      impl_->writing = false;
    } else {
      // Wake when our entry is written, or to lead the next commit. (Waiting
      // for !writing alone would starve: the next leader may set it again
      // before we look.)
      struct Wait {
        Impl* impl;
        Impl::Pending* p;
        bool Ready() const ABSL_NO_THREAD_SAFETY_ANALYSIS { return p->done || !impl->writing; }
      } wait{impl_.get(), &p};
      impl_->queue_mu.Await(absl::Condition(&wait, &Wait::Ready));
    }
  }
  impl_->queue_mu.Unlock();
  if (!p.status.ok()) {
    return absl::UnavailableError(absl::StrCat("audit log: ", p.status.message()));
  }
  return p.index;
}

absl::StatusOr<std::string> AuditLog::Checkpoint() {
  absl::MutexLock lock(&impl_->mu);
  return impl_->Checkpoint();
}

std::string AuditLog::LatestCheckpoint() {
  absl::MutexLock lock(&impl_->mu);
  return impl_->checkpoint_note;
}

void AuditLog::StartCheckpointing(absl::Duration interval) {
  // Once per log: a node served again (stopped and started in one process)
  // keeps the checkpointer it has.
  if (impl_->checkpointer.joinable()) return;
  impl_->checkpointer = std::thread([this, interval] {
    for (;;) {
      {
        absl::MutexLock lock(&impl_->stop_mu);
        if (impl_->stop_mu.AwaitWithTimeout(absl::Condition(&impl_->stop), interval)) return;
      }
      (void)Checkpoint();
    }
  });
}

uint64_t AuditLog::size() {
  absl::MutexLock lock(&impl_->mu);
  (void)impl_->CatchUp();
  return impl_->frontier.size();
}

absl::StatusOr<std::vector<std::string>> AuditLog::ConsistencyProof(uint64_t old_size,
                                                                    uint64_t new_size) {
  absl::MutexLock lock(&impl_->mu);
  ASSIGN_OR_RETURN(auto st,
                   impl_->db->Prepare("SELECT leaf FROM entries WHERE idx < ?1 ORDER BY idx"));
  st->Bind(1, static_cast<int64_t>(new_size));
  std::vector<std::string> hashes;
  for (;;) {
    ASSIGN_OR_RETURN(auto row, st->Step());
    if (!row) break;
    hashes.push_back(crypto::merkle::LeafHash(st->ColumnBlob(0)));
  }
  if (hashes.size() != new_size) return absl::OutOfRangeError("the log is smaller");
  return crypto::merkle::ConsistencyProof(hashes, old_size);
}

absl::Status AuditLog::AddCosignature(uint64_t size, absl::string_view witness,
                                      absl::string_view witness_vkey,
                                      absl::string_view cosigned_note) {
  absl::MutexLock lock(&impl_->mu);
  ASSIGN_OR_RETURN(
      auto st,
      impl_->db->Prepare("INSERT OR REPLACE INTO cosignatures (size, witness, witness_vkey, note) "
                         "VALUES (?1, ?2, ?3, ?4)"));
  st->Bind(1, static_cast<int64_t>(size)).Bind(2, witness).Bind(3, witness_vkey);
  st->Bind(4, cosigned_note);
  return st->Run();
}

absl::StatusOr<uint64_t> AuditLog::LastCosignedBy(absl::string_view witness) {
  absl::MutexLock lock(&impl_->mu);
  ASSIGN_OR_RETURN(
      auto st,
      impl_->db->Prepare("SELECT COALESCE(MAX(size), 0) FROM cosignatures WHERE witness = ?1"));
  st->Bind(1, witness);
  RETURN_IF_ERROR(st->Step());
  return static_cast<uint64_t>(st->ColumnInt64(0));
}

absl::StatusOr<AuditLog::LastCosignature> AuditLog::LastCosignatureOf(absl::string_view witness) {
  absl::MutexLock lock(&impl_->mu);
  ASSIGN_OR_RETURN(auto st, impl_->db->Prepare("SELECT size, note FROM cosignatures "
                                               "WHERE witness = ?1 ORDER BY size DESC LIMIT 1"));
  st->Bind(1, witness);
  ASSIGN_OR_RETURN(const bool row, st->Step());
  LastCosignature last;
  if (!row) return last;
  last.size = static_cast<uint64_t>(st->ColumnInt64(0));
  // The stored note holds our own signature and the witness's cosignature:
  // only the latter parses as one.
  ASSIGN_OR_RETURN(const crypto::note::Note note, crypto::note::Parse(st->ColumnText(1)));
  for (const crypto::note::SignatureLine& line : note.signatures) {
    absl::StatusOr<crypto::checkpoint::Cosignature> c = crypto::checkpoint::ParseCosignature(line);
    if (c.ok())
      last.at = std::max(last.at, absl::FromUnixSeconds(static_cast<int64_t>(c->timestamp)));
  }
  return last;
}

absl::StatusOr<std::string> AuditLog::Export() {
  absl::MutexLock lock(&impl_->mu);
  RETURN_IF_ERROR(impl_->Checkpoint());
  fedlink::v1::AuditExport out;
  out.set_node_id(impl_->node_id);
  out.set_identity_vkey(impl_->signer->VerifierKey());
  ASSIGN_OR_RETURN(auto entries,
                   impl_->db->Prepare("SELECT leaf FROM entries WHERE idx < ?1 ORDER BY idx"));
  entries->Bind(1, static_cast<int64_t>(impl_->checkpoint_size));
  for (;;) {
    ASSIGN_OR_RETURN(auto row, entries->Step());
    if (!row) break;
    out.add_entries(entries->ColumnBlob(0));
  }
  ASSIGN_OR_RETURN(
      auto cps, impl_->db->Prepare("SELECT note FROM checkpoints WHERE size <= ?1 ORDER BY size"));
  cps->Bind(1, static_cast<int64_t>(impl_->checkpoint_size));
  for (;;) {
    ASSIGN_OR_RETURN(auto row, cps->Step());
    if (!row) break;
    out.add_checkpoints(cps->ColumnText(0));
  }
  ASSIGN_OR_RETURN(auto cos, impl_->db->Prepare("SELECT size, witness_vkey, note FROM cosignatures "
                                                "WHERE size <= ?1 ORDER BY size, witness"));
  cos->Bind(1, static_cast<int64_t>(impl_->checkpoint_size));
  for (;;) {
    ASSIGN_OR_RETURN(auto row, cos->Step());
    if (!row) break;
    auto* c = out.add_cosigned();
    c->set_size(static_cast<uint64_t>(cos->ColumnInt64(0)));
    c->set_witness_vkey(cos->ColumnText(1));
    c->set_note(cos->ColumnText(2));
  }
  return out.SerializeAsString();
}

absl::StatusOr<VerifiedExport> VerifyExport(
    absl::string_view export_bytes, absl::string_view expected_vkey,
    const std::map<std::string, std::string>& witness_vkeys) {
  fedlink::v1::AuditExport in;
  if (!in.ParseFromString(std::string(export_bytes))) {
    return absl::DataLossError("not an audit export (malformed)");
  }
  auto verifier = crypto::Verifier::Parse(in.identity_vkey());
  if (!verifier.ok()) {
    return absl::DataLossError(absl::StrCat("identity key: ", verifier.status().message()));
  }
  if (verifier->name != in.node_id()) {
    return absl::DataLossError(absl::StrCat("identity key is named '", verifier->name,
                                            "', the export is of '", in.node_id(), "'"));
  }
  if (in.checkpoints_size() == 0) {
    return absl::DataLossError("no checkpoint: not a complete export (truncated?)");
  }
  // Every entry parsed first: the chain of identity keys starts at the
  // first key change's old key (or, with none, at the export's key).
  std::vector<fedlink::v1::AuditEntry> parsed(in.entries_size());
  for (int i = 0; i < in.entries_size(); ++i) {
    if (!parsed[i].ParseFromString(in.entries(i))) {
      return absl::DataLossError(absl::StrCat("entry ", i, ": malformed"));
    }
  }
  crypto::Verifier first = *verifier;
  for (const fedlink::v1::AuditEntry& e : parsed) {
    if (e.event() != kIdentitySwitchEvent) continue;
    auto old_key = crypto::Verifier::Parse(e.old_identity_vkey());
    if (old_key.ok()) first = *old_key;  // (a malformed one: refused by the walk)
    break;
  }
  VerifiedExport out;
  out.node_id = in.node_id();
  CheckpointWalker walker(first);
  std::map<uint64_t, crypto::checkpoint::Checkpoint> by_size;  // for the cosignatures
  std::map<uint64_t, std::string> note_by_size;                // their signed notes
  size_t next = 0;
  for (int c = 0; c < in.checkpoints_size(); ++c) {
    auto body = crypto::note::Parse(in.checkpoints(c));
    auto unverified = body.ok() ? crypto::checkpoint::Checkpoint::ParseBody(body->text)
                                : absl::StatusOr<crypto::checkpoint::Checkpoint>(body.status());
    if (!unverified.ok()) {
      return absl::DataLossError(
          absl::StrCat("checkpoint ", c, ": ", unverified.status().message()));
    }
    if (unverified->size > static_cast<uint64_t>(in.entries_size())) {
      return absl::DataLossError(absl::StrCat("checkpoint ", c, " covers ", unverified->size,
                                              " entries; the export has ", in.entries_size(),
                                              " (truncated)"));
    }
    if (c > 0 && unverified->size <= walker.last_checkpoint_size()) {
      return absl::DataLossError(
          absl::StrCat("checkpoint ", c, " is not after checkpoint ", c - 1, " (reordered)"));
    }
    for (; next < unverified->size; ++next) {
      walker.Add(in.entries(next));
      if (parsed[next].event() == kIdentitySwitchEvent) {
        RETURN_IF_ERROR(walker.AddKeyChange(parsed[next]));
      }
    }
    // Signed by the log's key at this point of the chain (and by the next
    // key, for the first checkpoint after a change).
    auto cp = walker.VerifySignatures(in.checkpoints(c), unverified->size);
    if (!cp.ok()) {
      return absl::DataLossError(absl::StrCat("checkpoint ", c, ": ", cp.status().message()));
    }
    RETURN_IF_ERROR(walker.Check(*cp, cp->size));
    note_by_size[cp->size] = in.checkpoints(c);
    by_size[cp->size] = *std::move(cp);
  }
  if (walker.last_checkpoint_size() != static_cast<uint64_t>(in.entries_size())) {
    return absl::DataLossError(absl::StrCat("entries ", walker.last_checkpoint_size(), " to ",
                                            in.entries_size() - 1,
                                            " are not covered by any checkpoint"));
  }
  if (walker.current().public_key != verifier->public_key) {
    return absl::DataLossError(
        absl::StrCat("the export names the identity key ", in.identity_vkey(),
                     ", but its log's chain of keys ends at ", walker.current().ToString()));
  }
  out.identity_vkeys = walker.ChainVkeys();
  auto in_chain = [&](absl::string_view vkey) {
    auto k = crypto::Verifier::Parse(vkey);
    return k.ok() && std::any_of(out.identity_vkeys.begin(), out.identity_vkeys.end(),
                                 [&](const std::string& c) {
                                   auto ck = crypto::Verifier::Parse(c);
                                   return ck.ok() && ck->name == k->name &&
                                          ck->public_key == k->public_key;
                                 });
  };
  if (!expected_vkey.empty() && !in_chain(expected_vkey)) {
    return absl::PermissionDeniedError(
        absl::StrCat(out.identity_vkeys.size() > 1 ? "none of the export's identity keys is"
                                                   : "the export's identity key is not",
                     " the one the roster lists for ", in.node_id()));
  }
  // Cosignatures: each over one of the export's checkpoints, by a witness
  // whose key the roster lists (when given).
  for (int c = 0; c < in.cosigned_size(); ++c) {
    const auto& cosigned = in.cosigned(c);
    auto witness = crypto::Verifier::Parse(cosigned.witness_vkey());
    if (!witness.ok()) {
      return absl::DataLossError(absl::StrCat("cosignature ", c, ": bad witness key"));
    }
    // A member whose key the roster no longer lists (it rotated its
    // identity key since it cosigned): the cosignature must still verify
    // with its own key, but it does not count as the roster's witness.
    bool other_key = false;
    if (!witness_vkeys.empty()) {
      auto it = witness_vkeys.find(witness->name);
      if (it == witness_vkeys.end()) {
        return absl::PermissionDeniedError(absl::StrCat("cosignature ", c, ": witness '",
                                                        witness->name, "' is not in the roster"));
      }
      other_key = it->second != cosigned.witness_vkey();
    }
    auto cp = by_size.find(cosigned.size());
    auto parsed = crypto::note::Parse(cosigned.note());
    auto body = parsed.ok() ? crypto::checkpoint::Checkpoint::ParseBody(parsed->text)
                            : absl::StatusOr<crypto::checkpoint::Checkpoint>(parsed.status());
    if (cp == by_size.end() || !body.ok() || body->origin != cp->second.origin ||
        body->size != cp->second.size || body->root_hash != cp->second.root_hash) {
      return absl::DataLossError(
          absl::StrCat("cosignature ", c, ": not over the checkpoint of size ", cosigned.size()));
    }
    // The cosigned note is the checkpoint's own note, byte for byte, with
    // the witness's line added: every other line must be one of the
    // checkpoint's, and every line of the witness must verify, so no byte
    // of it goes unchecked.
    auto own = crypto::note::Parse(note_by_size[cosigned.size()]);
    if (!own.ok() || own->text != parsed->text) {
      return absl::DataLossError(
          absl::StrCat("cosignature ", c, ": not over the checkpoint of size ", cosigned.size()));
    }
    bool verified = false;
    for (const crypto::note::SignatureLine& line : parsed->signatures) {
      if (line.name != witness->name) {
        const bool the_logs = std::any_of(own->signatures.begin(), own->signatures.end(),
                                          [&](const crypto::note::SignatureLine& o) {
                                            return o.name == line.name && o.key_id == line.key_id &&
                                                   o.signature == line.signature;
                                          });
        if (!the_logs) {
          return absl::DataLossError(absl::StrCat("cosignature ", c, ": a signature line by '",
                                                  line.name, "' that the checkpoint lacks"));
        }
        continue;
      }
      auto cos = crypto::checkpoint::ParseCosignature(line);
      if (!cos.ok() ||
          !crypto::checkpoint::VerifyCosignature(cp->second, *cos, witness->public_key).ok()) {
        verified = false;
        break;
      }
      verified = true;
    }
    if (!verified) {
      return absl::DataLossError(
          absl::StrCat("cosignature ", c, " by ", witness->name, " does not verify"));
    }
    (other_key ? out.witnesses_by_other_keys : out.witnesses).push_back(witness->name);
  }
  out.entries = in.entries_size();
  out.checkpoints = in.checkpoints_size();
  out.serialized_entries.assign(in.entries().begin(), in.entries().end());
  return out;
}

}  // namespace fedlink::audit
