// The web console's users as use cases: add, list, disable, reset a
// password (`fedlink users`, the console's users page), and a login checked
// against its Argon2id hash. Every change and every login is logged in the
// node's access log, the acting user (or operator) as the official.
// users.db is sealed under the node's data key (user_store.h), so a node
// made before encryption at rest must be converted first.
//
//   ASSIGN_OR_RETURN(app::User u, app::Authenticate(node, name, password));
#ifndef FEDLINK_NODE_APP_USERS_H_
#define FEDLINK_NODE_APP_USERS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/app/node.h"
#include "node/app/user_store.h"

namespace fedlink::app {

// users.db of the node (created empty if missing). FailedPrecondition for a
// node without a data key.
absl::StatusOr<std::unique_ptr<UserStore>> OpenUserStore(Node& node);

struct NewUser {
  std::string name;
  UserRole role = UserRole::kCaseworker;
  std::string password;
};

// Logged as users.add (official: `actor`; detail: the user and role).
// InvalidArgument for a bad name or password; AlreadyExists for a name taken.
absl::Status AddUser(Node& node, const NewUser& user, const Actor& actor);
// Every user, by name, without their hashes.
absl::StatusOr<std::vector<User>> ListUsers(Node& node);
// Logged as users.disable; a disabled user can no longer log in. NotFound
// for an unknown name.
absl::Status DisableUser(Node& node, const std::string& name, const Actor& actor);
// Logged as users.reset: a new password, and the user enabled again.
absl::Status ResetPassword(Node& node, const std::string& name, const std::string& password,
                           const Actor& actor);

// The message of every refused login, whatever the cause (unknown name,
// disabled user, wrong password), so that it tells no one which names exist.
inline constexpr char kLoginRefused[] = "wrong user name or password";

// Checks a login (as long for an unknown name as for a known one). Logged as
// console.login, the user as the official (an unknown name is not logged,
// as it may be a password typed in the wrong field); PermissionDenied
// (kLoginRefused) if refused.
absl::StatusOr<User> Authenticate(UserStore& users, Node& node, const std::string& name,
                                  const std::string& password);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_USERS_H_
