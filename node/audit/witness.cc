#include "node/audit/witness.h"

#include "absl/strings/str_cat.h"
#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "crypto/signed_note.h"
#include "node/common/node_paths.h"
#include "node/common/status_macros.h"

namespace fedlink::audit {
namespace {

constexpr store::sqlite::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE cosigned (
  peer TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  root BLOB NOT NULL,
  note TEXT NOT NULL
);
CREATE TABLE evidence (
  id INTEGER PRIMARY KEY,
  peer TEXT NOT NULL,
  reason TEXT NOT NULL,
  cosigned_note TEXT NOT NULL,
  offered_note TEXT NOT NULL,
  at INTEGER NOT NULL
);
)sql"},
};

}  // namespace

absl::StatusOr<std::unique_ptr<Witness>> Witness::Open(const std::string& node_dir,
                                                       const crypto::SigningKey* identity,
                                                       common::Clock* clock) {
  std::unique_ptr<Witness> w(new Witness());
  w->identity_ = identity;
  w->clock_ = clock ? clock : common::Clock::Real();
  ASSIGN_OR_RETURN(auto db,
                   store::sqlite::Database::Open(common::NodePaths(node_dir).witness_db(),
                                                 {.create = true, .synchronous_full = true}));
  RETURN_IF_ERROR(db->Migrate(kMigrations));
  absl::MutexLock lock(&w->mu_);
  w->db_ = std::move(db);
  return w;
}

absl::StatusOr<uint64_t> Witness::LastCosigned(absl::string_view peer) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT size FROM cosigned WHERE peer = ?1"));
  st->Bind(1, peer);
  ASSIGN_OR_RETURN(auto row, st->Step());
  return row ? static_cast<uint64_t>(st->ColumnInt64(0)) : 0;
}

absl::StatusOr<int64_t> Witness::EvidenceCount() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT COUNT(*) FROM evidence"));
  RETURN_IF_ERROR(st->Step());
  return st->ColumnInt64(0);
}

absl::StatusOr<std::string> Witness::Cosign(const crypto::Verifier& peer, absl::string_view note,
                                            uint64_t old_size,
                                            const std::vector<std::string>& proof) {
  auto cp = crypto::checkpoint::Verify(note, peer);
  if (!cp.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("checkpoint of ", peer.name, ": ", cp.status().message()));
  }
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto get, db_->Prepare("SELECT size, root, note FROM cosigned WHERE peer = ?1"));
  get->Bind(1, peer.name);
  ASSIGN_OR_RETURN(auto row, get->Step());
  std::string refusal;
  if (row) {
    const uint64_t last_size = static_cast<uint64_t>(get->ColumnInt64(0));
    const std::string last_root = get->ColumnBlob(1);
    const std::string last_note = get->ColumnText(2);
    if (cp->size < last_size) {
      refusal = absl::StrCat("rollback: size ", cp->size, " after ", last_size, " was cosigned");
    } else if (cp->size == last_size) {
      if (cp->root_hash != last_root) refusal = absl::StrCat("fork at size ", cp->size);
    } else if (old_size != last_size) {
      // Not evidence of anything: the log owner's view of what we cosigned
      // is stale (two of its processes asked at once). It asks again.
      return absl::FailedPreconditionError(
          absl::StrCat("the proof is from size ", old_size, "; we last cosigned ", last_size));
    } else if (auto s = crypto::merkle::VerifyConsistency(last_size, cp->size, proof, last_root,
                                                          cp->root_hash);
               !s.ok()) {
      refusal = absl::StrCat("not consistent with size ", last_size, " (fork): ", s.message());
    }
    if (!refusal.empty()) {
      ASSIGN_OR_RETURN(
          auto put,
          db_->Prepare("INSERT INTO evidence (peer, reason, cosigned_note, offered_note, at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5)"));
      put->Bind(1, peer.name).Bind(2, refusal).Bind(3, last_note).Bind(4, note);
      put->Bind(5, absl::ToUnixSeconds(clock_->Now()));
      RETURN_IF_ERROR(put->Run());
      return absl::FailedPreconditionError(absl::StrCat(
          "refusing to cosign ", peer.name, "'s checkpoint: ", refusal, " (evidence kept)"));
    }
  }
  ASSIGN_OR_RETURN(
      auto put,
      db_->Prepare("INSERT INTO cosigned (peer, size, root, note) VALUES (?1, ?2, ?3, ?4) "
                   "ON CONFLICT (peer) DO UPDATE SET size = ?2, root = ?3, note = ?4"));
  put->Bind(1, peer.name).Bind(2, static_cast<int64_t>(cp->size));
  put->BindBlob(3, cp->root_hash).Bind(4, note);
  RETURN_IF_ERROR(put->Run());
  const crypto::note::SignatureLine line = crypto::checkpoint::Cosign(
      *cp, *identity_, static_cast<uint64_t>(absl::ToUnixSeconds(clock_->Now())));
  return crypto::note::FormatSignatureLine(line);
}

}  // namespace fedlink::audit
