#include "node/followup/followup_store.h"

#include <sodium.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/data_key.h"
#include "node/common/status_macros.h"

namespace fedlink::followup {
namespace {

constexpr store::sqlite::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE hits (
  peer TEXT NOT NULL,
  purpose TEXT NOT NULL,
  handle TEXT NOT NULL,
  own_id TEXT NOT NULL,
  score REAL NOT NULL,
  keys TEXT NOT NULL,
  role TEXT NOT NULL,
  officer TEXT NOT NULL,
  found_at INTEGER NOT NULL,
  PRIMARY KEY (peer, purpose, handle, own_id)
);
CREATE INDEX hits_by_own_id ON hits (own_id);
CREATE TABLE outgoing (
  id TEXT PRIMARY KEY,
  peer TEXT NOT NULL,
  handle TEXT NOT NULL,
  own_id TEXT NOT NULL,
  purpose TEXT NOT NULL,
  reason TEXT NOT NULL,
  hit_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  status INTEGER NOT NULL,
  reply TEXT NOT NULL DEFAULT '',
  decided_at INTEGER
);
CREATE TABLE incoming (
  id TEXT NOT NULL,
  peer TEXT NOT NULL,
  handle TEXT NOT NULL,
  own_id TEXT NOT NULL,
  purpose TEXT NOT NULL,
  reason TEXT NOT NULL,
  hit_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  status INTEGER NOT NULL,
  reply TEXT NOT NULL DEFAULT '',
  decided_at INTEGER,
  PRIMARY KEY (peer, id)
);
)sql"},
    {2, R"sql(
CREATE TABLE revocations (
  id TEXT PRIMARY KEY,
  own_id TEXT NOT NULL,
  peer TEXT NOT NULL,
  handle TEXT NOT NULL,
  contact_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  acked_at INTEGER
);
CREATE INDEX revocations_by_own_id ON revocations (own_id);
)sql"},
    {3, R"sql(
CREATE TABLE notices (
  peer TEXT NOT NULL,
  purpose TEXT NOT NULL,
  own_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (peer, purpose, own_id)
);
)sql"},
    // The key of each request's commitments in the access log, and when its
    // content was erased (NULL: it is here).
    {4, R"sql(
ALTER TABLE outgoing ADD COLUMN salt BLOB NOT NULL DEFAULT x'';
ALTER TABLE outgoing ADD COLUMN erased_at INTEGER;
ALTER TABLE incoming ADD COLUMN salt BLOB NOT NULL DEFAULT x'';
ALTER TABLE incoming ADD COLUMN erased_at INTEGER;
CREATE INDEX outgoing_by_own_id ON outgoing (own_id);
CREATE INDEX incoming_by_own_id ON incoming (own_id);
)sql"},
    // Whether the content is sealed under the node's data key (a node
    // encrypted at rest); 0 for a store of an older fedlink until its node
    // is converted.
    {5, R"sql(
CREATE TABLE content_sealing (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  sealed INTEGER NOT NULL
);
INSERT INTO content_sealing (one, sealed) VALUES (1, 0);
)sql"},
    // Contact requests held until a supervisor approves them (policy
    // contact_requests_need_approval); removed when approved (then sent, in
    // outgoing) or rejected. The reason is sealed like outgoing's.
    {6, R"sql(
CREATE TABLE held (
  id TEXT PRIMARY KEY,
  peer TEXT NOT NULL,
  handle TEXT NOT NULL,
  own_id TEXT NOT NULL,
  purpose TEXT NOT NULL,
  reason BLOB NOT NULL,
  requested_by TEXT NOT NULL,
  legal_basis TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX held_by_own_id ON held (own_id);
)sql"},
    // A held request a supervisor rejected stays, marked, so that the
    // caseworker who asked sees it was rejected, by whom and when (NULL:
    // awaiting approval).
    {7, R"sql(
ALTER TABLE held ADD COLUMN rejected_by TEXT;
ALTER TABLE held ADD COLUMN rejected_at INTEGER;
)sql"},
};

constexpr uint32_t kSealVersion = 1;
// The row key of a hit and of a request, in the places of their sealed
// values (crypto::RowPlace).
std::string HitRow(absl::string_view peer, absl::string_view purpose, absl::string_view handle,
                   absl::string_view own_id) {
  return absl::StrCat(peer.size(), ":", peer, purpose.size(), ":", purpose, handle.size(), ":",
                      handle, own_id.size(), ":", own_id);
}
std::string ContactRow(absl::string_view peer, absl::string_view id) {
  return absl::StrCat(peer.size(), ":", peer, id);
}

// What erasure sets: the content and the commitments' key gone, the time
// noted.
constexpr char kEraseContent[] = "handle = '', reason = '', reply = '', salt = x'', erased_at = ";

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromMicros(int64_t us) { return absl::FromUnixMicros(us); }

}  // namespace

absl::string_view ContactStatusName(ContactStatus status) {
  switch (status) {
    case ContactStatus::kPending:
      return "pending";
    case ContactStatus::kAccepted:
      return "accepted";
    case ContactStatus::kDeclined:
      return "declined";
    case ContactStatus::kRevoked:
      return "revoked";
  }
  return "?";
}

absl::StatusOr<std::unique_ptr<FollowupStore>> FollowupStore::Open(
    const std::string& path, const crypto::SealingKey* content_key) {
  ASSIGN_OR_RETURN(auto db,
                   store::sqlite::Database::Open(path, {.create = true, .synchronous_full = true}));
  RETURN_IF_ERROR(db->Migrate(kMigrations));
  // Erased content must not linger in free space of the file's pages.
  RETURN_IF_ERROR(db->Exec("PRAGMA secure_delete = ON"));
  ASSIGN_OR_RETURN(auto flag, db->Prepare("SELECT sealed FROM content_sealing WHERE one = 1"));
  ASSIGN_OR_RETURN(const bool row, flag->Step());
  const bool sealed = row && flag->ColumnInt64(0) != 0;
  flag.reset();
  if (sealed && content_key == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": follow-ups sealed under a data key; open the node with its key"));
  }
  std::unique_ptr<FollowupStore> store(new FollowupStore(std::move(db), content_key));
  if (content_key != nullptr && !sealed) RETURN_IF_ERROR(store->SealClearContent());
  return store;
}

std::string FollowupStore::Seal(absl::string_view table, absl::string_view row,
                                absl::string_view column, absl::string_view text) const {
  if (key_ == nullptr || text.empty()) return std::string(text);
  return key_->Seal(text, crypto::RowPlace(table, row, column, kSealVersion));
}

absl::StatusOr<std::string> FollowupStore::Unseal(absl::string_view table, absl::string_view row,
                                                  absl::string_view column,
                                                  const std::string& stored) const {
  if (key_ == nullptr || stored.empty()) return stored;
  auto opened = key_->Open(stored, crypto::RowPlace(table, row, column, kSealVersion));
  if (!opened.ok()) {
    return absl::DataLossError(absl::StrCat(db_->path(), ": ", table, " ", column,
                                            " does not open (altered, moved from another row, "
                                            "or another node's key)"));
  }
  return opened;
}

absl::Status FollowupStore::SealClearContent() { return ResealContent(nullptr, *key_); }

absl::Status FollowupStore::ResealContent(const crypto::SealingKey* from,
                                          const crypto::SealingKey& to) {
  const auto reseal = [&](absl::string_view table, const std::string& row, absl::string_view column,
                          const std::string& stored) -> absl::StatusOr<std::string> {
    if (stored.empty()) return stored;  // erased content stays empty
    const std::string place = crypto::RowPlace(table, row, column, kSealVersion);
    std::string text = stored;
    if (from != nullptr) {
      auto opened = from->Open(stored, place);
      if (!opened.ok()) {
        return absl::DataLossError(absl::StrCat(db_->path(), ": ", table, " ", column,
                                                " does not open (altered, moved from another "
                                                "row, or another node's key)"));
      }
      text = *std::move(opened);
    }
    std::string sealed = to.Seal(text, place);
    sodium_memzero(text.data(), text.size());
    return sealed;
  };
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  {
    ASSIGN_OR_RETURN(auto read, db_->Prepare("SELECT rowid, peer, purpose, handle, own_id, officer "
                                             "FROM hits"));
    ASSIGN_OR_RETURN(auto write, db_->Prepare("UPDATE hits SET officer = ?1 WHERE rowid = ?2"));
    for (;;) {
      ASSIGN_OR_RETURN(const bool row, read->Step());
      if (!row) break;
      ASSIGN_OR_RETURN(std::string officer, reseal("hits",
                                                   HitRow(read->ColumnText(1), read->ColumnText(2),
                                                          read->ColumnText(3), read->ColumnText(4)),
                                                   "officer", read->ColumnBlob(5)));
      write->BindBlob(1, officer);
      write->Bind(2, read->ColumnInt64(0));
      RETURN_IF_ERROR(write->Run());
    }
  }
  for (const char* table : {"outgoing", "incoming"}) {
    ASSIGN_OR_RETURN(auto read, db_->Prepare(absl::StrCat(
                                    "SELECT rowid, peer, id, reason, reply FROM ", table)));
    ASSIGN_OR_RETURN(auto write,
                     db_->Prepare(absl::StrCat("UPDATE ", table,
                                               " SET reason = ?1, reply = ?2 WHERE rowid = ?3")));
    for (;;) {
      ASSIGN_OR_RETURN(const bool row, read->Step());
      if (!row) break;
      const std::string rk = ContactRow(read->ColumnText(1), read->ColumnText(2));
      ASSIGN_OR_RETURN(std::string reason, reseal(table, rk, "reason", read->ColumnBlob(3)));
      ASSIGN_OR_RETURN(std::string reply, reseal(table, rk, "reply", read->ColumnBlob(4)));
      write->BindBlob(1, reason);
      write->BindBlob(2, reply);
      write->Bind(3, read->ColumnInt64(0));
      RETURN_IF_ERROR(write->Run());
    }
  }
  {
    ASSIGN_OR_RETURN(auto read, db_->Prepare("SELECT rowid, peer, id, reason FROM held"));
    ASSIGN_OR_RETURN(auto write, db_->Prepare("UPDATE held SET reason = ?1 WHERE rowid = ?2"));
    for (;;) {
      ASSIGN_OR_RETURN(const bool row, read->Step());
      if (!row) break;
      write->BindBlob(1, Seal("held", ContactRow(read->ColumnText(1), read->ColumnText(2)),
                              "reason", read->ColumnText(3)));
      write->Bind(2, read->ColumnInt64(0));
      RETURN_IF_ERROR(write->Run());
    }
  }
  RETURN_IF_ERROR(db_->Exec("UPDATE content_sealing SET sealed = 1 WHERE one = 1"));
  RETURN_IF_ERROR(tx->Commit());
  return ScrubWal();
}

absl::Status FollowupStore::Reseal(const std::string& from, const std::string& to,
                                   const crypto::SealingKey& current,
                                   const crypto::SealingKey& next) {
  {
    ASSIGN_OR_RETURN(auto source, Open(from, &current));  // sealed, if it was not yet
    absl::MutexLock lock(&source->mu_);
    RETURN_IF_ERROR(source->db_->CopyTo(to));
  }
  ASSIGN_OR_RETURN(auto copy, Open(to, &current));
  RETURN_IF_ERROR(copy->ResealContent(&current, next));
  absl::MutexLock lock(&copy->mu_);
  RETURN_IF_ERROR(copy->db_->Exec("VACUUM"));
  return copy->db_->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

absl::Status FollowupStore::RecordHits(const std::vector<Hit>& hits) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  ASSIGN_OR_RETURN(
      auto st, db_->Prepare("INSERT INTO hits (peer, purpose, handle, own_id, score, keys, role, "
                            "officer, found_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                            "ON CONFLICT (peer, purpose, handle, own_id) DO UPDATE SET "
                            "score = ?5, keys = ?6, role = ?7, officer = ?8"));
  for (const Hit& h : hits) {
    st->Bind(1, h.peer).Bind(2, h.purpose).Bind(3, h.handle).Bind(4, h.own_id);
    st->Bind(5, absl::StrCat(h.score)).Bind(6, h.keys).Bind(7, h.role);
    st->BindBlob(8,
                 Seal("hits", HitRow(h.peer, h.purpose, h.handle, h.own_id), "officer", h.officer));
    st->Bind(9, Micros(h.found_at));
    RETURN_IF_ERROR(st->Run());
  }
  return tx->Commit();
}

namespace {
constexpr char kHitColumns[] =
    "peer, purpose, handle, own_id, score, keys, role, officer, found_at";
Hit ReadHitRow(const store::sqlite::Statement& st) {
  Hit h;
  h.peer = st.ColumnText(0);
  h.purpose = st.ColumnText(1);
  h.handle = st.ColumnText(2);
  h.own_id = st.ColumnText(3);
  h.score = std::atof(st.ColumnText(4).c_str());
  h.keys = st.ColumnText(5);
  h.role = st.ColumnText(6);
  h.officer = st.ColumnBlob(7);
  h.found_at = FromMicros(st.ColumnInt64(8));
  return h;
}
}  // namespace

absl::StatusOr<Hit> FollowupStore::ReadHit(const store::sqlite::Statement& st) const {
  Hit h = ReadHitRow(st);
  ASSIGN_OR_RETURN(h.officer, Unseal("hits", HitRow(h.peer, h.purpose, h.handle, h.own_id),
                                     "officer", h.officer));
  return h;
}

absl::StatusOr<std::optional<Hit>> FollowupStore::FindHit(absl::string_view peer,
                                                          absl::string_view handle) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto st,
                   db_->Prepare(absl::StrCat(
                       "SELECT ", kHitColumns,
                       " FROM hits WHERE peer = ?1 AND handle = ?2 ORDER BY found_at LIMIT 1")));
  st->Bind(1, peer).Bind(2, handle);
  ASSIGN_OR_RETURN(auto row, st->Step());
  if (!row) return std::nullopt;
  ASSIGN_OR_RETURN(Hit h, ReadHit(*st));
  return h;
}

absl::StatusOr<std::vector<Hit>> FollowupStore::HitsFor(absl::string_view own_id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto st,
                   db_->Prepare(absl::StrCat("SELECT ", kHitColumns,
                                             " FROM hits WHERE own_id = ?1 ORDER BY found_at")));
  st->Bind(1, own_id);
  std::vector<Hit> out;
  for (;;) {
    ASSIGN_OR_RETURN(auto row, st->Step());
    if (!row) break;
    ASSIGN_OR_RETURN(Hit h, ReadHit(*st));
    out.push_back(std::move(h));
  }
  return out;
}

namespace {
absl::Status Insert(store::sqlite::Database* db, absl::string_view table, const Contact& c,
                    const std::string& stored_reason) {
  ASSIGN_OR_RETURN(auto st,
                   db->Prepare(absl::StrCat(
                       "INSERT INTO ", table,
                       " (id, peer, handle, own_id, purpose, reason, hit_at, created_at, status, "
                       "salt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")));
  st->Bind(1, c.id).Bind(2, c.peer).Bind(3, c.handle).Bind(4, c.own_id);
  st->Bind(5, c.purpose).BindBlob(6, stored_reason).Bind(7, Micros(c.hit_at));
  st->Bind(8, Micros(c.created_at)).Bind(9, static_cast<int64_t>(c.status));
  st->BindBlob(10, c.salt);
  absl::Status s = st->Run();
  if (absl::IsAlreadyExists(s) || (!s.ok() && absl::StrContains(s.message(), "UNIQUE"))) {
    return absl::AlreadyExistsError(
        absl::StrCat("contact request ", c.id, " was already recorded"));
  }
  return s;
}
}  // namespace

absl::Status FollowupStore::AddOutgoing(const Contact& c) {
  absl::MutexLock lock(&mu_);
  return Insert(db_.get(), "outgoing", c,
                Seal("outgoing", ContactRow(c.peer, c.id), "reason", c.reason));
}

absl::Status FollowupStore::AddIncoming(const Contact& c) {
  absl::MutexLock lock(&mu_);
  return Insert(db_.get(), "incoming", c,
                Seal("incoming", ContactRow(c.peer, c.id), "reason", c.reason));
}

template <typename Request>
absl::Status FollowupStore::ReadRequestHead(absl::string_view table,
                                            const store::sqlite::Statement& st,
                                            Request& request) const {
  request.id = st.ColumnText(0);
  request.peer = st.ColumnText(1);
  request.handle = st.ColumnText(2);
  request.own_id = st.ColumnText(3);
  request.purpose = st.ColumnText(4);
  ASSIGN_OR_RETURN(request.reason,
                   Unseal(table, ContactRow(request.peer, request.id), "reason", st.ColumnBlob(5)));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Contact>> FollowupStore::List(absl::string_view table,
                                                         absl::string_view id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto st,
                   db_->Prepare(absl::StrCat(
                       "SELECT id, peer, handle, own_id, purpose, reason, hit_at, created_at, "
                       "status, reply, decided_at, salt, erased_at FROM ",
                       table, " WHERE ?1 = '' OR id = ?1 ORDER BY created_at")));
  st->Bind(1, id);
  std::vector<Contact> out;
  for (;;) {
    ASSIGN_OR_RETURN(auto row, st->Step());
    if (!row) break;
    Contact c;
    RETURN_IF_ERROR(ReadRequestHead(table, *st, c));
    c.hit_at = FromMicros(st->ColumnInt64(6));
    c.created_at = FromMicros(st->ColumnInt64(7));
    c.status = static_cast<ContactStatus>(st->ColumnInt64(8));
    ASSIGN_OR_RETURN(c.reply, Unseal(table, ContactRow(c.peer, c.id), "reply", st->ColumnBlob(9)));
    if (!st->ColumnIsNull(10)) c.decided_at = FromMicros(st->ColumnInt64(10));
    c.salt = st->ColumnBlob(11);
    if (!st->ColumnIsNull(12)) c.erased_at = FromMicros(st->ColumnInt64(12));
    out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<std::vector<Contact>> FollowupStore::Outgoing() { return List("outgoing"); }
absl::StatusOr<std::vector<Contact>> FollowupStore::Incoming() { return List("incoming"); }

absl::StatusOr<std::optional<Contact>> FollowupStore::FindIncoming(absl::string_view id) {
  if (id.empty()) return std::nullopt;
  ASSIGN_OR_RETURN(auto found, List("incoming", id));
  if (found.empty()) return std::nullopt;
  return found.front();
}

absl::StatusOr<std::optional<Contact>> FollowupStore::FindOutgoing(absl::string_view id) {
  if (id.empty()) return std::nullopt;
  ASSIGN_OR_RETURN(auto found, List("outgoing", id));
  if (found.empty()) return std::nullopt;
  return found.front();
}

absl::StatusOr<Contact> FollowupStore::Decide(absl::string_view id, bool accept,
                                              absl::string_view reply, absl::Time now) {
  ASSIGN_OR_RETURN(auto found, FindIncoming(id));
  if (found.has_value()) {
    Contact& c = *found;
    if (c.status != ContactStatus::kPending) {
      return absl::FailedPreconditionError(
          absl::StrCat("contact request ", id, " was already ", ContactStatusName(c.status)));
    }
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(auto st,
                     db_->Prepare("UPDATE incoming SET status = ?1, reply = ?2, decided_at = ?3 "
                                  "WHERE id = ?4 AND peer = ?5 AND status = 0"));
    c.status = accept ? ContactStatus::kAccepted : ContactStatus::kDeclined;
    c.reply = std::string(reply);
    c.decided_at = now;
    st->Bind(1, static_cast<int64_t>(c.status))
        .BindBlob(2, Seal("incoming", ContactRow(c.peer, c.id), "reply", reply));
    st->Bind(3, Micros(now)).Bind(4, c.id).Bind(5, c.peer);
    RETURN_IF_ERROR(st->Run());
    return c;
  }
  return absl::NotFoundError(absl::StrCat("no contact request ", id));
}

absl::StatusOr<Contact> FollowupStore::RecordReply(absl::string_view id, absl::string_view peer,
                                                   bool accept, absl::string_view reply,
                                                   absl::Time now) {
  {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(auto st,
                     db_->Prepare("UPDATE outgoing SET status = ?1, reply = ?2, decided_at = ?3 "
                                  "WHERE id = ?4 AND peer = ?5 AND status = 0"));
    st->Bind(1, static_cast<int64_t>(accept ? ContactStatus::kAccepted : ContactStatus::kDeclined));
    st->BindBlob(2, Seal("outgoing", ContactRow(peer, id), "reply", reply));
    st->Bind(3, Micros(now)).Bind(4, id).Bind(5, peer);
    RETURN_IF_ERROR(st->Run());
    ASSIGN_OR_RETURN(auto changes, db_->Prepare("SELECT changes()"));
    ASSIGN_OR_RETURN(auto row, changes->Step());
    if (!row || changes->ColumnInt64(0) != 1) {
      return absl::NotFoundError(
          absl::StrCat("no pending contact request ", id, " sent to ", peer));
    }
  }
  ASSIGN_OR_RETURN(std::vector<Contact> found, List("outgoing", id));
  if (found.empty()) return absl::NotFoundError(absl::StrCat("no contact request ", id));
  return found.front();
}

absl::StatusOr<size_t> FollowupStore::EraseContentAbout(absl::string_view own_id, absl::Time now,
                                                        bool forget_own_id) {
  if (own_id.empty()) return absl::InvalidArgumentError("no record named");
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  size_t erased = 0;
  for (const char* table : {"incoming", "outgoing"}) {
    ASSIGN_OR_RETURN(auto st,
                     db_->Prepare(absl::StrCat(
                         "UPDATE ", table, " SET ", kEraseContent, "COALESCE(erased_at, ?1)",
                         forget_own_id ? ", own_id = ''" : "", " WHERE own_id = ?2")));
    st->Bind(1, Micros(now)).Bind(2, own_id);
    RETURN_IF_ERROR(st->Run());
    ASSIGN_OR_RETURN(auto changes, db_->Prepare("SELECT changes()"));
    ASSIGN_OR_RETURN(auto row, changes->Step());
    if (row) erased += static_cast<size_t>(changes->ColumnInt64(0));
  }
  ASSIGN_OR_RETURN(auto hits, db_->Prepare("DELETE FROM hits WHERE own_id = ?1"));
  hits->Bind(1, own_id);
  RETURN_IF_ERROR(hits->Run());
  // A request still awaiting approval was never sent: it goes entirely.
  ASSIGN_OR_RETURN(auto held, db_->Prepare("DELETE FROM held WHERE own_id = ?1"));
  held->Bind(1, own_id);
  RETURN_IF_ERROR(held->Run());
  if (forget_own_id) {
    ASSIGN_OR_RETURN(auto notices, db_->Prepare("DELETE FROM notices WHERE own_id = ?1"));
    notices->Bind(1, own_id);
    RETURN_IF_ERROR(notices->Run());
  }
  RETURN_IF_ERROR(tx->Commit());
  RETURN_IF_ERROR(ScrubWal());
  return erased;
}

absl::Status FollowupStore::ScrubWal() {
  // The write-ahead log still holds the pages as they were before the
  // erasure: copy the new ones into the database and empty it. (Best
  // effort while another process reads the store: its snapshot keeps the
  // frames until it ends, and the next erasure or checkpoint scrubs them.)
  return db_->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

absl::Status FollowupStore::AddNotices(const std::vector<Notice>& notices) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  ASSIGN_OR_RETURN(
      auto st,
      db_->Prepare("INSERT INTO notices (peer, purpose, own_id, at) VALUES (?1, ?2, ?3, ?4) "
                   "ON CONFLICT (peer, purpose, own_id) DO UPDATE SET at = ?4"));
  for (const Notice& n : notices) {
    st->Bind(1, n.peer).Bind(2, n.purpose).Bind(3, n.own_id).Bind(4, Micros(n.at));
    RETURN_IF_ERROR(st->Run());
  }
  return tx->Commit();
}

absl::StatusOr<std::vector<FollowupStore::Notice>> FollowupStore::Notices() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto st,
                   db_->Prepare("SELECT peer, purpose, own_id, at FROM notices ORDER BY at"));
  std::vector<Notice> out;
  for (;;) {
    ASSIGN_OR_RETURN(auto row, st->Step());
    if (!row) break;
    out.push_back(
        {st->ColumnText(0), st->ColumnText(1), st->ColumnText(2), FromMicros(st->ColumnInt64(3))});
  }
  return out;
}

absl::Status FollowupStore::AddRevocation(const Revocation& r) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(
      auto st,
      db_->Prepare("INSERT INTO revocations (id, own_id, peer, handle, contact_id, created_at) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  st->Bind(1, r.id).Bind(2, r.own_id).Bind(3, r.peer).Bind(4, r.handle);
  st->Bind(5, r.contact_id).Bind(6, Micros(r.created_at));
  return st->Run();
}

absl::Status FollowupStore::AckRevocation(absl::string_view id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE revocations SET acked_at = ?1, handle = '' "
                                         "WHERE id = ?2"));
  st->Bind(1, Micros(now)).Bind(2, id);
  RETURN_IF_ERROR(st->Run());
  return ScrubWal();
}

namespace {
absl::StatusOr<std::vector<FollowupStore::Revocation>> ReadRevocations(
    store::sqlite::Statement& st) {
  std::vector<FollowupStore::Revocation> out;
  for (;;) {
    ASSIGN_OR_RETURN(auto row, st.Step());
    if (!row) break;
    FollowupStore::Revocation r;
    r.id = st.ColumnText(0);
    r.own_id = st.ColumnText(1);
    r.peer = st.ColumnText(2);
    r.handle = st.ColumnText(3);
    r.contact_id = st.ColumnText(4);
    r.created_at = FromMicros(st.ColumnInt64(5));
    if (!st.ColumnIsNull(6)) r.acked_at = FromMicros(st.ColumnInt64(6));
    out.push_back(std::move(r));
  }
  return out;
}
constexpr char kRevocationColumns[] =
    "SELECT id, own_id, peer, handle, contact_id, created_at, acked_at FROM revocations ";
}  // namespace

absl::StatusOr<std::vector<FollowupStore::Revocation>> FollowupStore::Revocations(
    absl::string_view own_id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto st, db_->Prepare(absl::StrCat(kRevocationColumns,
                                                      "WHERE own_id = ?1 ORDER BY created_at")));
  st->Bind(1, own_id);
  return ReadRevocations(*st);
}

absl::StatusOr<std::vector<FollowupStore::Revocation>> FollowupStore::PendingRevocations() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto st, db_->Prepare(absl::StrCat(
                                kRevocationColumns, "WHERE acked_at IS NULL ORDER BY created_at")));
  return ReadRevocations(*st);
}

absl::Status FollowupStore::ApplyRevocation(absl::string_view peer, absl::string_view handle,
                                            absl::string_view contact_id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  const int64_t revoked = static_cast<int64_t>(ContactStatus::kRevoked);
  if (!handle.empty()) {
    ASSIGN_OR_RETURN(auto hits, db_->Prepare("DELETE FROM hits WHERE peer = ?1 AND handle = ?2"));
    hits->Bind(1, peer).Bind(2, handle);
    RETURN_IF_ERROR(hits->Run());
    ASSIGN_OR_RETURN(auto out, db_->Prepare(absl::StrCat(
                                   "UPDATE outgoing SET status = ?1, ", kEraseContent,
                                   "COALESCE(erased_at, ?4) WHERE peer = ?2 AND handle = ?3")));
    out->Bind(1, revoked).Bind(2, peer).Bind(3, handle).Bind(4, Micros(now));
    RETURN_IF_ERROR(out->Run());
    ASSIGN_OR_RETURN(auto held, db_->Prepare("DELETE FROM held WHERE peer = ?1 AND handle = ?2"));
    held->Bind(1, peer).Bind(2, handle);
    RETURN_IF_ERROR(held->Run());
  }
  if (!contact_id.empty()) {
    ASSIGN_OR_RETURN(
        auto in, db_->Prepare(absl::StrCat("UPDATE incoming SET status = ?1, ", kEraseContent,
                                           "COALESCE(erased_at, ?4) WHERE peer = ?2 AND id = ?3")));
    in->Bind(1, revoked).Bind(2, peer).Bind(3, contact_id).Bind(4, Micros(now));
    RETURN_IF_ERROR(in->Run());
  }
  RETURN_IF_ERROR(tx->Commit());
  return ScrubWal();
}

absl::Status FollowupStore::AddHeld(const HeldContact& c) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto st,
                   db_->Prepare("INSERT INTO held (id, peer, handle, own_id, purpose, reason, "
                                "requested_by, legal_basis, created_at) VALUES "
                                "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  st->Bind(1, c.id).Bind(2, c.peer).Bind(3, c.handle).Bind(4, c.own_id).Bind(5, c.purpose);
  st->BindBlob(6, Seal("held", ContactRow(c.peer, c.id), "reason", c.reason));
  st->Bind(7, c.requested_by).Bind(8, c.legal_basis).Bind(9, Micros(c.created_at));
  return st->Run();
}

absl::StatusOr<std::vector<HeldContact>> FollowupStore::ListHeld(bool rejected,
                                                                 absl::string_view id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT id, peer, handle, own_id, purpose, reason, "
                                         "requested_by, legal_basis, created_at, rejected_by, "
                                         "rejected_at FROM held WHERE (rejected_at IS NULL) = ?1 "
                                         "AND (?2 = '' OR id = ?2) ORDER BY created_at"));
  st->Bind(1, int64_t{rejected ? 0 : 1}).Bind(2, id);
  std::vector<HeldContact> out;
  for (;;) {
    ASSIGN_OR_RETURN(auto row, st->Step());
    if (!row) break;
    HeldContact c;
    RETURN_IF_ERROR(ReadRequestHead("held", *st, c));
    c.requested_by = st->ColumnText(6);
    c.legal_basis = st->ColumnText(7);
    c.created_at = FromMicros(st->ColumnInt64(8));
    if (!st->ColumnIsNull(10)) {
      c.rejected_by = st->ColumnText(9);
      c.rejected_at = FromMicros(st->ColumnInt64(10));
    }
    out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<std::vector<HeldContact>> FollowupStore::Held(absl::string_view id) {
  return ListHeld(false, id);
}

absl::StatusOr<std::vector<HeldContact>> FollowupStore::RejectedHeld() { return ListHeld(true); }

absl::StatusOr<bool> FollowupStore::RejectHeld(absl::string_view id, absl::string_view supervisor,
                                               absl::Time now) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE held SET rejected_by = ?2, rejected_at = ?3 "
                                         "WHERE id = ?1 AND rejected_at IS NULL RETURNING id"));
  st->Bind(1, id).Bind(2, supervisor).Bind(3, Micros(now));
  ASSIGN_OR_RETURN(const bool rejected, st->Step());
  st.reset();
  return rejected;
}

absl::StatusOr<bool> FollowupStore::RemoveHeld(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto st, db_->Prepare("DELETE FROM held WHERE id = ?1 RETURNING id"));
  st->Bind(1, id);
  ASSIGN_OR_RETURN(const bool removed, st->Step());
  st.reset();
  RETURN_IF_ERROR(ScrubWal());
  return removed;
}

}  // namespace fedlink::followup
