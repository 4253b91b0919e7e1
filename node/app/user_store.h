// The people who may log in to the node's web console: users.db, one row per
// user, the whole user (name, role, Argon2id password hash, disabled flag,
// creation time) one XChaCha20-Poly1305 ciphertext under the node's data
// key, bound to its row; the row key is the keyed digest of the name, so a
// stolen users.db tells neither who the users are nor their hashes.
//
//   users(row_key BLOB PRIMARY KEY, sealed BLOB NOT NULL)
//   sealed = Seal(EncodeList({name, role, hash, "0"|"1", created unix s}),
//                 RowPlace("users", row_key, "user", 1))
//
// Thread-safety: every method takes the store's lock; use from any thread.
#ifndef FEDLINK_NODE_APP_USER_STORE_H_
#define FEDLINK_NODE_APP_USER_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "crypto/data_key.h"
#include "node/store/sqlite.h"

namespace fedlink::app {

// What a user may do in the console (docs/console.md, "Roles"):
//   caseworker: intake lookup, contact requests, inbox, records and consent;
//   supervisor: what a caseworker may, and batch matches;
//   auditor:    the audit report, read-only, nothing else;
//   admin:      the users page, nothing personal.
enum class UserRole { kCaseworker, kSupervisor, kAuditor, kAdmin };
absl::string_view UserRoleName(UserRole role);
// InvalidArgument naming the accepted roles.
absl::StatusOr<UserRole> ParseUserRole(absl::string_view text);

struct User {
  std::string name;
  UserRole role = UserRole::kCaseworker;
  std::string password_hash;  // crypto_pwhash_str
  bool disabled = false;
  absl::Time created;
};

// A user name is 1-64 of [a-z0-9._-] (it is logged as the official).
absl::Status CheckUserName(absl::string_view name);
// A password is 12-1024 bytes.
absl::Status CheckPassword(absl::string_view password);

class UserStore {
 public:
  static absl::StatusOr<std::unique_ptr<UserStore>> Open(const std::string& path,
                                                         const crypto::DataKey& key);
  UserStore(const UserStore&) = delete;
  UserStore& operator=(const UserStore&) = delete;

  // Data-key rotation: writes the users of the store at `from` (opened with
  // `current`) into the new store `to` under `next` (new row keys), in one
  // transaction. `from` is not changed. Returns the number of users.
  static absl::StatusOr<uint64_t> Reseal(const std::string& from, const std::string& to,
                                         const crypto::DataKey& current,
                                         const crypto::DataKey& next);

  // AlreadyExists if the name is taken.
  absl::Status Add(const User& user);
  // Replaces an existing user (NotFound if none).
  absl::Status Update(const User& user);
  absl::StatusOr<std::optional<User>> Get(absl::string_view name);
  // By name.
  absl::StatusOr<std::vector<User>> List();

 private:
  UserStore(std::unique_ptr<store::sqlite::Database> db, const crypto::DataKey& key,
            std::string path)
      : db_(std::move(db)), key_(key), path_(std::move(path)) {}
  std::string RowKey(absl::string_view name) const;
  std::string Seal(const std::string& row_key, const User& user) const;
  absl::StatusOr<User> Unseal(const std::string& row_key, const std::string& sealed) const;
  absl::Status Write(const User& user, bool insert);

  absl::Mutex mu_;
  std::unique_ptr<store::sqlite::Database> db_ ABSL_GUARDED_BY(mu_);
  const crypto::DataKey& key_;
  const std::string path_;
};

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_USER_STORE_H_
