#include "node/app/user_store.h"

#include <sodium.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/common/status_macros.h"
#include "node/store/value_list.h"

namespace fedlink::app {
namespace {

constexpr uint32_t kSealVersion = 1;

constexpr store::sqlite::Migration kMigrations[] = {
    {1, "CREATE TABLE users (row_key BLOB PRIMARY KEY, sealed BLOB NOT NULL)"},
};

}  // namespace

absl::string_view UserRoleName(UserRole role) {
  switch (role) {
    case UserRole::kCaseworker:
      return "caseworker";
    case UserRole::kSupervisor:
      return "supervisor";
    case UserRole::kAuditor:
      return "auditor";
    case UserRole::kAdmin:
      return "admin";
  }
  return "?";
}

absl::StatusOr<UserRole> ParseUserRole(absl::string_view text) {
  for (UserRole r :
       {UserRole::kCaseworker, UserRole::kSupervisor, UserRole::kAuditor, UserRole::kAdmin}) {
    if (text == UserRoleName(r)) return r;
  }
  return absl::InvalidArgumentError("role: expected caseworker, supervisor, auditor or admin");
}

absl::Status CheckUserName(absl::string_view name) {
  if (name.empty() || name.size() > 64) {
    return absl::InvalidArgumentError("user name: 1 to 64 characters of a-z 0-9 . _ -");
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
      return absl::InvalidArgumentError("user name: 1 to 64 characters of a-z 0-9 . _ -");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckPassword(absl::string_view password) {
  if (password.size() < 12) return absl::InvalidArgumentError("password: at least 12 characters");
  if (password.size() > 1024) return absl::InvalidArgumentError("password: at most 1024 bytes");
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<UserStore>> UserStore::Open(const std::string& path,
                                                           const crypto::DataKey& key) {
  ASSIGN_OR_RETURN(auto db,
                   store::sqlite::Database::Open(path, {.create = true, .synchronous_full = true}));
  RETURN_IF_ERROR(db->Migrate(kMigrations));
  RETURN_IF_ERROR(db->Exec("PRAGMA secure_delete = ON"));
  return std::unique_ptr<UserStore>(new UserStore(std::move(db), key, path));
}

absl::StatusOr<uint64_t> UserStore::Reseal(const std::string& from, const std::string& to,
                                           const crypto::DataKey& current,
                                           const crypto::DataKey& next) {
  ASSIGN_OR_RETURN(auto source, Open(from, current));
  ASSIGN_OR_RETURN(std::vector<User> users, source->List());
  source.reset();
  ASSIGN_OR_RETURN(auto copy, Open(to, next));
  absl::Status status = [&]() -> absl::Status {
    absl::MutexLock lock(&copy->mu_);
    ASSIGN_OR_RETURN(auto tx, copy->db_->Begin());
    ASSIGN_OR_RETURN(auto write,
                     copy->db_->Prepare("INSERT INTO users (row_key, sealed) VALUES (?, ?)"));
    for (const User& user : users) {
      const std::string row_key = copy->RowKey(user.name);
      write->BindBlob(1, row_key).BindBlob(2, copy->Seal(row_key, user));
      RETURN_IF_ERROR(write->Run());
    }
    write.reset();
    RETURN_IF_ERROR(tx->Commit());
    return copy->db_->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }();
  for (User& user : users) {
    sodium_memzero(user.name.data(), user.name.size());
    sodium_memzero(user.password_hash.data(), user.password_hash.size());
  }
  RETURN_IF_ERROR(status);
  return users.size();
}

std::string UserStore::RowKey(absl::string_view name) const {
  return key_.LookupDigest("users.name", name);
}

std::string UserStore::Seal(const std::string& row_key, const User& user) const {
  std::string plain;
  store::EncodeList({user.name, std::string(UserRoleName(user.role)), user.password_hash,
                     user.disabled ? "1" : "0", absl::StrCat(absl::ToUnixSeconds(user.created))},
                    &plain);
  return key_.sealing().Seal(plain, crypto::RowPlace("users", row_key, "user", kSealVersion));
}

absl::StatusOr<User> UserStore::Unseal(const std::string& row_key,
                                       const std::string& sealed) const {
  const absl::Status corrupt = absl::DataLossError(
      absl::StrCat(path_,
                   ": a user does not open (altered, moved from another row, or another "
                   "node's key)"));
  auto plain =
      key_.sealing().Open(sealed, crypto::RowPlace("users", row_key, "user", kSealVersion));
  if (!plain.ok()) return corrupt;
  std::vector<std::string> fields;
  int64_t created = 0;
  if (!store::DecodeList(*plain, &fields) || fields.size() != 5 ||
      !absl::SimpleAtoi(fields[4], &created)) {
    return corrupt;
  }
  User user;
  user.name = fields[0];
  ASSIGN_OR_RETURN(user.role, ParseUserRole(fields[1]));
  user.password_hash = fields[2];
  user.disabled = fields[3] == "1";
  user.created = absl::FromUnixSeconds(created);
  return user;
}

absl::Status UserStore::Write(const User& user, bool insert) {
  RETURN_IF_ERROR(CheckUserName(user.name));
  absl::MutexLock lock(&mu_);
  const std::string row_key = RowKey(user.name);
  ASSIGN_OR_RETURN(auto tx, db_->Begin());
  {
    ASSIGN_OR_RETURN(auto find, db_->Prepare("SELECT 1 FROM users WHERE row_key = ?"));
    find->BindBlob(1, row_key);
    ASSIGN_OR_RETURN(const bool exists, find->Step());
    if (insert && exists) return absl::AlreadyExistsError("a user with that name exists");
    if (!insert && !exists) return absl::NotFoundError("no user with that name");
  }
  ASSIGN_OR_RETURN(auto write,
                   db_->Prepare("INSERT OR REPLACE INTO users (row_key, sealed) VALUES (?, ?)"));
  write->BindBlob(1, row_key).BindBlob(2, Seal(row_key, user));
  RETURN_IF_ERROR(write->Run());
  write.reset();
  return tx->Commit();
}

absl::Status UserStore::Add(const User& user) { return Write(user, /*insert=*/true); }
absl::Status UserStore::Update(const User& user) { return Write(user, /*insert=*/false); }

absl::StatusOr<std::optional<User>> UserStore::Get(absl::string_view name) {
  if (!CheckUserName(name).ok()) return std::optional<User>();
  absl::MutexLock lock(&mu_);
  const std::string row_key = RowKey(name);
  ASSIGN_OR_RETURN(auto read, db_->Prepare("SELECT sealed FROM users WHERE row_key = ?"));
  read->BindBlob(1, row_key);
  ASSIGN_OR_RETURN(const bool row, read->Step());
  if (!row) return std::optional<User>();
  ASSIGN_OR_RETURN(User user, Unseal(row_key, read->ColumnBlob(0)));
  return std::optional<User>(std::move(user));
}

absl::StatusOr<std::vector<User>> UserStore::List() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto read, db_->Prepare("SELECT row_key, sealed FROM users"));
  std::vector<User> users;
  for (;;) {
    ASSIGN_OR_RETURN(const bool row, read->Step());
    if (!row) break;
    ASSIGN_OR_RETURN(User user, Unseal(read->ColumnBlob(0), read->ColumnBlob(1)));
    users.push_back(std::move(user));
  }
  std::sort(users.begin(), users.end(),
            [](const User& a, const User& b) { return a.name < b.name; });
  return users;
}

}  // namespace fedlink::app
