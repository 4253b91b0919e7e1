#include "node/federation/nonce_store.h"

#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"

namespace fedlink::federation {
namespace {

constexpr store::sqlite::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE nonces (
  sender TEXT NOT NULL,
  nonce BLOB NOT NULL,
  keep_until INTEGER NOT NULL,
  PRIMARY KEY (sender, nonce)
) WITHOUT ROWID;
CREATE INDEX nonces_by_expiry ON nonces(keep_until);
)sql"},
};

}  // namespace

absl::StatusOr<std::unique_ptr<NonceStore>> NonceStore::Open(const std::string& path) {
  ASSIGN_OR_RETURN(auto db,
                   store::sqlite::Database::Open(path, {.create = true, .synchronous_full = true}));
  RETURN_IF_ERROR(db->Migrate(kMigrations));
  return std::unique_ptr<NonceStore>(new NonceStore(std::move(db)));
}

absl::Status NonceStore::Remember(absl::string_view sender, absl::string_view nonce,
                                  absl::Time keep_until, absl::Time now) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  ASSIGN_OR_RETURN(auto purge, db_->Prepare("DELETE FROM nonces WHERE keep_until < ?1"));
  purge->Bind(1, absl::ToUnixSeconds(now));
  RETURN_IF_ERROR(purge->Run());
  ASSIGN_OR_RETURN(
      auto insert,
      db_->Prepare("INSERT INTO nonces (sender, nonce, keep_until) VALUES (?1, ?2, ?3)"));
  insert->Bind(1, sender).BindBlob(2, nonce).Bind(3, absl::ToUnixSeconds(keep_until));
  if (auto s = insert->Run(); !s.ok()) {
    if (absl::IsFailedPrecondition(s)) {
      return absl::AlreadyExistsError("request nonce was seen before (replay refused)");
    }
    return s;
  }
  return tx->Commit();
}

}  // namespace fedlink::federation
