#include "node/audit/audit_log.h"

#include <algorithm>
#include <optional>
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
// checkpoint's signature and root. `leaf(i)` returns entry i.
class CheckpointWalker {
 public:
  explicit CheckpointWalker(const crypto::Verifier& key) : key_(key) {}

  // Feeds the next leaf.
  void Add(absl::string_view leaf) { frontier_.Append(crypto::merkle::LeafHash(leaf)); }
  uint64_t size() const { return frontier_.size(); }
  // The root of the leaves fed so far.
  std::string Root() const { return frontier_.Root(); }

  // Checks the signed `note` for a tree of exactly size() leaves.
  absl::Status Check(absl::string_view note, uint64_t expected_size) {
    auto cp = crypto::checkpoint::Verify(note, key_);
    if (!cp.ok()) {
      return absl::DataLossError(
          absl::StrCat("checkpoint of size ", expected_size, ": ", cp.status().message()));
    }
    return Check(*cp, expected_size);
  }
  // The same for a checkpoint whose signature the caller verified.
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
    return absl::OkStatus();
  }
  uint64_t last_checkpoint_size() const { return last_size_; }
  // The tree of every leaf fed so far (the log keeps appending to it).
  crypto::merkle::Frontier TakeFrontier() && { return std::move(frontier_); }

 private:
  const crypto::Verifier& key_;
  crypto::merkle::Frontier frontier_;
  uint64_t last_size_ = 0;
};

// The log's head record, DIR/audit.head: its latest signed checkpoint note,
// rewritten with every checkpoint. A second place that knows the log's size
// and root, so that Open can tell a wiped, emptied, truncated or replaced
// audit.db from a new log. Missing for a log that never checkpointed (or
// was written before fedlink kept it: Open then writes it).
struct Head {
  std::string path;
  std::optional<crypto::checkpoint::Checkpoint> checkpoint;  // none: no record
};

absl::StatusOr<Head> ReadHead(const common::NodePaths& paths, const crypto::Verifier& key) {
  Head head;
  head.path = paths.audit_head();
  if (common::FileMTimeNanos(head.path) < 0) return head;
  ASSIGN_OR_RETURN(const std::string note, common::ReadWholeFile(head.path, 64 << 10));
  auto cp = crypto::checkpoint::Verify(note, key);
  if (!cp.ok()) {
    return absl::DataLossError(absl::StrCat(head.path,
                                            ": not a checkpoint of this node's access log (",
                                            cp.status().message(), "); restore it from a backup"));
  }
  head.checkpoint = *std::move(cp);
  return head;
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
  const crypto::SigningKey* signer = nullptr;
  crypto::Verifier verifier;
  common::Clock* clock = nullptr;

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
    crypto::checkpoint::Checkpoint cp;
    cp.origin = node_id;
    cp.size = frontier.size();
    cp.root_hash = frontier.Root();
    ASSIGN_OR_RETURN(auto note, crypto::checkpoint::Sign(cp, *signer));
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
    return checkpoint_note;
  }
};

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
                                                         common::Clock* clock) {
  if (signer == nullptr) return absl::InvalidArgumentError("audit log needs the node key");
  auto impl = std::make_unique<Impl>();
  impl->node_id = signer->name();
  impl->signer = signer;
  impl->clock = clock ? clock : common::Clock::Real();
  ASSIGN_OR_RETURN(auto verifier, crypto::Verifier::Parse(signer->VerifierKey()));
  impl->verifier = verifier;
  const common::NodePaths paths(node_dir);
  impl->head_path = paths.audit_head();
  ASSIGN_OR_RETURN(const Head head, ReadHead(paths, impl->verifier));
  const bool recorded = head.checkpoint.has_value() && head.checkpoint->size > 0;
  if (recorded && common::FileMTimeNanos(paths.audit_db()) < 0) {
    return LogLost(head, paths.audit_db(), "is missing");
  }
  ASSIGN_OR_RETURN(auto db, store::sqlite::Database::Open(
                                paths.audit_db(), {.create = true, .synchronous_full = true}));
  RETURN_IF_ERROR(db->Migrate(kMigrations));

  // Verify: every entry present and in order, every checkpoint signed by us
  // and matching the entries it covers.
  CheckpointWalker walker(impl->verifier);
  ASSIGN_OR_RETURN(auto cps, db->Prepare("SELECT size, note FROM checkpoints ORDER BY size"));
  ASSIGN_OR_RETURN(auto entries, db->Prepare("SELECT idx, leaf FROM entries ORDER BY idx"));
  std::string last_note;
  uint64_t last_size = 0;
  bool head_matched = !recorded;
  auto next_entry = [&]() -> absl::StatusOr<bool> {
    ASSIGN_OR_RETURN(auto row, entries->Step());
    if (!row) return false;
    if (static_cast<uint64_t>(entries->ColumnInt64(0)) != walker.size()) {
      return absl::DataLossError(
          absl::StrCat("audit log: entry ", walker.size(), " is missing (deleted or reordered)"));
    }
    walker.Add(entries->ColumnBlob(1));
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

absl::StatusOr<uint64_t> AuditLog::Append(const Event& event) {
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
  if (!expected_vkey.empty() && in.identity_vkey() != expected_vkey) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the export's identity key is not the one the roster lists for ", in.node_id()));
  }
  if (in.checkpoints_size() == 0) {
    return absl::DataLossError("no checkpoint: not a complete export (truncated?)");
  }
  VerifiedExport out;
  out.node_id = in.node_id();
  CheckpointWalker walker(*verifier);
  std::map<uint64_t, crypto::checkpoint::Checkpoint> by_size;  // for the cosignatures
  std::map<uint64_t, std::string> note_by_size;                // their signed notes
  size_t next = 0;
  for (int c = 0; c < in.checkpoints_size(); ++c) {
    auto cp = crypto::checkpoint::Verify(in.checkpoints(c), *verifier);
    if (!cp.ok()) {
      return absl::DataLossError(absl::StrCat("checkpoint ", c, ": ", cp.status().message()));
    }
    if (cp->size > static_cast<uint64_t>(in.entries_size())) {
      return absl::DataLossError(absl::StrCat("checkpoint ", c, " covers ", cp->size,
                                              " entries; the export has ", in.entries_size(),
                                              " (truncated)"));
    }
    if (c > 0 && cp->size <= walker.last_checkpoint_size()) {
      return absl::DataLossError(
          absl::StrCat("checkpoint ", c, " is not after checkpoint ", c - 1, " (reordered)"));
    }
    for (; next < cp->size; ++next) {
      fedlink::v1::AuditEntry entry;
      if (!entry.ParseFromString(in.entries(next))) {
        return absl::DataLossError(absl::StrCat("entry ", next, ": malformed"));
      }
      walker.Add(in.entries(next));
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
  // Cosignatures: each over one of the export's checkpoints, by a witness
  // whose key the roster lists (when given).
  for (int c = 0; c < in.cosigned_size(); ++c) {
    const auto& cosigned = in.cosigned(c);
    auto witness = crypto::Verifier::Parse(cosigned.witness_vkey());
    if (!witness.ok()) {
      return absl::DataLossError(absl::StrCat("cosignature ", c, ": bad witness key"));
    }
    if (!witness_vkeys.empty()) {
      auto it = witness_vkeys.find(witness->name);
      if (it == witness_vkeys.end() || it->second != cosigned.witness_vkey()) {
        return absl::PermissionDeniedError(absl::StrCat("cosignature ", c, ": witness '",
                                                        witness->name, "' is not in the roster"));
      }
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
    out.witnesses.push_back(witness->name);
  }
  out.entries = in.entries_size();
  out.checkpoints = in.checkpoints_size();
  out.serialized_entries.assign(in.entries().begin(), in.entries().end());
  return out;
}

}  // namespace fedlink::audit
