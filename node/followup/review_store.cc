#include "node/followup/review_store.h"

#include <sodium.h>

#include <cmath>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"

namespace fedlink::followup {
namespace {

constexpr store::sqlite::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE review (
  id TEXT PRIMARY KEY,
  peer TEXT NOT NULL,
  purpose TEXT NOT NULL,
  handle BLOB NOT NULL,
  own_id BLOB NOT NULL,
  score_millibits INTEGER NOT NULL,
  threshold_millibits INTEGER NOT NULL,
  pattern INTEGER NOT NULL,
  keys TEXT NOT NULL,
  found_at INTEGER NOT NULL,
  status INTEGER NOT NULL,
  official TEXT NOT NULL DEFAULT '',
  decided_at INTEGER
);
)sql"},
};

constexpr uint32_t kSealVersion = 1;
constexpr char kColumns[] =
    "id, peer, purpose, handle, own_id, score_millibits, threshold_millibits, pattern, keys, "
    "found_at, status, official, decided_at";

int64_t Millibits(double bits) { return static_cast<int64_t>(std::llround(bits * 1000)); }

std::string NewId() {
  std::string bytes(8, '\0');
  randombytes_buf(bytes.data(), bytes.size());
  return absl::StrCat("r", absl::BytesToHexString(bytes));
}

}  // namespace

absl::string_view ReviewStatusName(ReviewStatus status) {
  switch (status) {
    case ReviewStatus::kPending:
      return "pending";
    case ReviewStatus::kAccepted:
      return "accepted";
    case ReviewStatus::kRejected:
      return "rejected";
  }
  return "?";
}

absl::StatusOr<std::unique_ptr<ReviewStore>> ReviewStore::Open(const std::string& path,
                                                               const crypto::SealingKey* key) {
  ASSIGN_OR_RETURN(auto db,
                   store::sqlite::Database::Open(path, {.create = true, .synchronous_full = true}));
  RETURN_IF_ERROR(db->Migrate(kMigrations));
  RETURN_IF_ERROR(db->Exec("PRAGMA secure_delete = ON"));
  return std::unique_ptr<ReviewStore>(new ReviewStore(std::move(db), key));
}

std::string ReviewStore::Seal(absl::string_view id, absl::string_view column,
                              absl::string_view text) const {
  if (key_ == nullptr) return std::string(text);
  return key_->Seal(text, crypto::RowPlace("review", id, column, kSealVersion));
}

absl::StatusOr<std::string> ReviewStore::Unseal(absl::string_view id, absl::string_view column,
                                                const std::string& stored) const {
  if (key_ == nullptr) return stored;
  auto opened = key_->Open(stored, crypto::RowPlace("review", id, column, kSealVersion));
  if (!opened.ok()) {
    return absl::DataLossError(absl::StrCat("review.db: ", column,
                                            " does not open (altered, moved from another row, "
                                            "or another node's key)"));
  }
  return opened;
}

absl::StatusOr<std::vector<ReviewItem>> ReviewStore::ListLocked(bool pending_only) {
  ASSIGN_OR_RETURN(auto st, db_->Prepare(absl::StrCat("SELECT ", kColumns, " FROM review",
                                                      pending_only ? " WHERE status = 0" : "",
                                                      " ORDER BY found_at, id")));
  std::vector<ReviewItem> out;
  while (true) {
    ASSIGN_OR_RETURN(const bool row, st->Step());
    if (!row) break;
    ReviewItem r;
    r.id = st->ColumnText(0);
    r.peer = st->ColumnText(1);
    r.purpose = st->ColumnText(2);
    ASSIGN_OR_RETURN(r.handle, Unseal(r.id, "handle", st->ColumnBlob(3)));
    ASSIGN_OR_RETURN(r.own_id, Unseal(r.id, "own_id", st->ColumnBlob(4)));
    r.score = st->ColumnInt64(5) / 1000.0;
    r.threshold = st->ColumnInt64(6) / 1000.0;
    r.pattern = static_cast<uint32_t>(st->ColumnInt64(7));
    r.keys = st->ColumnText(8);
    r.found_at = absl::FromUnixMicros(st->ColumnInt64(9));
    r.status = static_cast<ReviewStatus>(st->ColumnInt64(10));
    r.official = st->ColumnText(11);
    if (!st->ColumnIsNull(12)) r.decided_at = absl::FromUnixMicros(st->ColumnInt64(12));
    out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<std::vector<ReviewItem>> ReviewStore::List(bool pending_only) {
  absl::MutexLock lock(&mu_);
  return ListLocked(pending_only);
}

absl::StatusOr<std::optional<ReviewItem>> ReviewStore::Find(absl::string_view peer,
                                                            absl::string_view purpose,
                                                            absl::string_view handle,
                                                            absl::string_view own_id) {
  absl::MutexLock lock(&mu_);
  // The handle and id are sealed (randomised), so the pair is found by
  // opening the rows of this peer and purpose: the queue is small.
  ASSIGN_OR_RETURN(std::vector<ReviewItem> all, ListLocked(false));
  for (ReviewItem& r : all) {
    if (r.peer == peer && r.purpose == purpose && r.handle == handle && r.own_id == own_id) {
      return std::optional<ReviewItem>(std::move(r));
    }
  }
  return std::optional<ReviewItem>();
}

absl::StatusOr<ReviewItem> ReviewStore::Offer(ReviewItem item, absl::Time now) {
  ASSIGN_OR_RETURN(std::optional<ReviewItem> known,
                   Find(item.peer, item.purpose, item.handle, item.own_id));
  if (known.has_value()) return *std::move(known);
  absl::MutexLock lock(&mu_);
  item.id = NewId();
  item.found_at = now;
  item.status = ReviewStatus::kPending;
  item.official.clear();
  item.decided_at = absl::InfinitePast();
  ASSIGN_OR_RETURN(auto st,
                   db_->Prepare(absl::StrCat(
                       "INSERT INTO review (", kColumns,
                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, '', NULL)")));
  st->Bind(1, item.id).Bind(2, item.peer).Bind(3, item.purpose);
  st->BindBlob(4, Seal(item.id, "handle", item.handle));
  st->BindBlob(5, Seal(item.id, "own_id", item.own_id));
  st->Bind(6, Millibits(item.score)).Bind(7, Millibits(item.threshold));
  st->Bind(8, static_cast<int64_t>(item.pattern)).Bind(9, item.keys);
  st->Bind(10, absl::ToUnixMicros(now));
  RETURN_IF_ERROR(st->Run());
  return item;
}

absl::StatusOr<ReviewItem> ReviewStore::Decide(absl::string_view id, bool accept,
                                               absl::string_view official, absl::Time now) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(std::vector<ReviewItem> all, ListLocked(false));
  for (ReviewItem& r : all) {
    if (r.id != id) continue;
    if (r.status != ReviewStatus::kPending) {
      return absl::FailedPreconditionError(
          absl::StrCat("review item ", id, " was already ", ReviewStatusName(r.status)));
    }
    ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE review SET status = ?1, official = ?2, "
                                           "decided_at = ?3 WHERE id = ?4 AND status = 0"));
    r.status = accept ? ReviewStatus::kAccepted : ReviewStatus::kRejected;
    r.official = std::string(official);
    r.decided_at = now;
    st->Bind(1, static_cast<int64_t>(r.status)).Bind(2, r.official);
    st->Bind(3, absl::ToUnixMicros(now)).Bind(4, r.id);
    RETURN_IF_ERROR(st->Run());
    return std::move(r);
  }
  return absl::NotFoundError(absl::StrCat("no review item ", id));
}

}  // namespace fedlink::followup
