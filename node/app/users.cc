#include "node/app/users.h"

#include <sodium.h>

#include <functional>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crypto/password_hash.h"
#include "node/common/status_macros.h"

namespace fedlink::app {
namespace {

audit::Event UserEvent(const char* event, const Actor& actor, const std::string& detail) {
  audit::Event e = LocalEvent(event);
  e.official = actor.official;
  e.legal_basis = actor.legal_basis;
  e.detail = detail;
  return e;
}

// Logs the change's outcome; a change whose entry cannot be written is
// reported as failed.
absl::Status Logged(Node& node, audit::Event entry, const absl::Status& status) {
  entry.outcome = OutcomeOf(status);
  RETURN_IF_ERROR(node.Log(std::move(entry)));
  return status;
}

}  // namespace

absl::StatusOr<std::unique_ptr<UserStore>> OpenUserStore(Node& node) {
  const crypto::DataKey* key = node.opened().data_key.get();
  if (key == nullptr) {
    return absl::FailedPreconditionError(
        "console users are kept sealed under the node's data key; convert the node first "
        "(open it once with a key-source flag: docs/security.md)");
  }
  return UserStore::Open(node.paths().users_db(), *key);
}

absl::Status AddUser(Node& node, const NewUser& user, const Actor& actor) {
  RETURN_IF_ERROR(CheckUserName(user.name));
  RETURN_IF_ERROR(CheckPassword(user.password));
  RETURN_IF_ERROR(node.AuditLog().status());
  ASSIGN_OR_RETURN(std::unique_ptr<UserStore> users, OpenUserStore(node));
  User u;
  u.name = user.name;
  u.role = user.role;
  u.created = absl::Now();
  ASSIGN_OR_RETURN(u.password_hash, crypto::HashPassword(user.password));
  return Logged(node,
                UserEvent("users.add", actor,
                          absl::StrCat("user ", user.name, " role ", UserRoleName(user.role))),
                users->Add(u));
}

absl::StatusOr<std::vector<User>> ListUsers(Node& node) {
  ASSIGN_OR_RETURN(std::unique_ptr<UserStore> users, OpenUserStore(node));
  ASSIGN_OR_RETURN(std::vector<User> list, users->List());
  for (User& u : list) {
    sodium_memzero(u.password_hash.data(), u.password_hash.size());
    u.password_hash.clear();
  }
  return list;
}

namespace {

// Changes one existing user by `change`, logged as `event`.
absl::Status ChangeUser(Node& node, const std::string& name, const Actor& actor, const char* event,
                        const std::function<absl::Status(User&)>& change) {
  RETURN_IF_ERROR(CheckUserName(name));
  RETURN_IF_ERROR(node.AuditLog().status());
  ASSIGN_OR_RETURN(std::unique_ptr<UserStore> users, OpenUserStore(node));
  ASSIGN_OR_RETURN(std::optional<User> user, users->Get(name));
  absl::Status status = absl::NotFoundError("no user with that name");
  if (user.has_value()) {
    status = change(*user);
    if (status.ok()) status = users->Update(*user);
  }
  return Logged(node, UserEvent(event, actor, absl::StrCat("user ", name)), status);
}

}  // namespace

absl::Status DisableUser(Node& node, const std::string& name, const Actor& actor) {
  return ChangeUser(node, name, actor, "users.disable", [](User& u) {
    u.disabled = true;
    return absl::OkStatus();
  });
}

absl::Status ResetPassword(Node& node, const std::string& name, const std::string& password,
                           const Actor& actor) {
  RETURN_IF_ERROR(CheckPassword(password));
  return ChangeUser(node, name, actor, "users.reset", [&](User& u) -> absl::Status {
    ASSIGN_OR_RETURN(u.password_hash, crypto::HashPassword(password));
    u.disabled = false;
    return absl::OkStatus();
  });
}

absl::StatusOr<User> Authenticate(UserStore& users, Node& node, const std::string& name,
                                  const std::string& password) {
  const absl::Status refused = absl::PermissionDeniedError(kLoginRefused);
  ASSIGN_OR_RETURN(std::optional<User> user, users.Get(name));
  if (!user.has_value()) {
    (void)crypto::VerifyPassword(crypto::DummyPasswordHash(), password);  // same time
    return refused;
  }
  const bool matches = crypto::VerifyPassword(user->password_hash, password);
  absl::Status status = refused;
  std::string detail = "wrong password";
  if (matches && user->disabled) {
    detail = "user disabled";
  } else if (matches) {
    status = absl::OkStatus();
    detail = absl::StrCat("role ", UserRoleName(user->role));
  }
  RETURN_IF_ERROR(Logged(node, UserEvent("console.login", {user->name, ""}, detail), status));
  sodium_memzero(user->password_hash.data(), user->password_hash.size());
  user->password_hash.clear();
  return *std::move(user);
}

}  // namespace fedlink::app
