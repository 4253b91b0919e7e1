// The console's users: sealed at rest, Argon2id hashes, roles, disable and
// reset, and logins checked and logged, on a real node.
#include "node/app/users.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/audit.h"
#include "node/app/create_node.h"
#include "node/app/test_access_log.h"
#include "node/app/test_key_source.h"
#include "node/common/whole_file.h"
#include "node/store/sqlite.h"

namespace fedlink::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class UsersTest : public ::testing::Test {
 protected:
  // A node of its own, with a data key (users are sealed under it).
  void SetUp() override {
    const std::string dir =
        absl::StrCat(::testing::TempDir(), "/users-",
                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(
        CreateNode(dir, {.node_id = "police", .organisation = "P", .key_source = TestKeyFile()})
            .ok());
    auto node = Node::Open(dir);
    ASSERT_TRUE(node.ok()) << node.status();
    node_ = *std::move(node);
  }
  Node& node() { return *node_; }
  void Add(const std::string& name, UserRole role, const std::string& password) {
    ASSERT_TRUE(AddUser(node(), {name, role, password}, {"operator", ""}).ok());
  }
  std::unique_ptr<Node> node_;
};

TEST_F(UsersTest, AddedUserLogsInWithItsPasswordAndRole) {
  Add("amira", UserRole::kCaseworker, "correct horse battery");
  auto store = OpenUserStore(node());
  ASSERT_TRUE(store.ok()) << store.status();
  auto user = Authenticate(**store, node(), "amira", "correct horse battery");
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->name, "amira");
  EXPECT_EQ(user->role, UserRole::kCaseworker);
  EXPECT_TRUE(user->password_hash.empty());  // never handed out
}

TEST_F(UsersTest, WrongPasswordUnknownNameAndDisabledUserAreRefusedAlike) {
  Add("amira", UserRole::kCaseworker, "correct horse battery");
  Add("boris", UserRole::kAuditor, "another long password");
  ASSERT_TRUE(DisableUser(node(), "boris", {"operator", ""}).ok());
  auto store = OpenUserStore(node());
  ASSERT_TRUE(store.ok());
  for (const auto& [name, password] :
       std::vector<std::pair<std::string, std::string>>{{"amira", "correct horse batterY"},
                                                        {"nobody", "correct horse battery"},
                                                        {"boris", "another long password"},
                                                        {"AMIRA", "correct horse battery"}}) {
    auto user = Authenticate(**store, node(), name, password);
    EXPECT_EQ(user.status().code(), absl::StatusCode::kPermissionDenied) << name;
    EXPECT_EQ(user.status().message(), kLoginRefused) << name;
  }
}

TEST_F(UsersTest, ResetChangesThePasswordAndEnablesTheUser) {
  Add("amira", UserRole::kSupervisor, "correct horse battery");
  ASSERT_TRUE(DisableUser(node(), "amira", {"admin1", ""}).ok());
  ASSERT_TRUE(ResetPassword(node(), "amira", "a brand new password", {"admin1", ""}).ok());
  auto store = OpenUserStore(node());
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE(Authenticate(**store, node(), "amira", "correct horse battery").ok());
  auto user = Authenticate(**store, node(), "amira", "a brand new password");
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->role, UserRole::kSupervisor);
}

TEST_F(UsersTest, ListsByNameWithRolesAndStateButNoHashes) {
  Add("zoe", UserRole::kAdmin, "correct horse battery");
  Add("amira", UserRole::kCaseworker, "correct horse battery");
  ASSERT_TRUE(DisableUser(node(), "zoe", {"operator", ""}).ok());
  auto users = ListUsers(node());
  ASSERT_TRUE(users.ok()) << users.status();
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].name, "amira");
  EXPECT_FALSE((*users)[0].disabled);
  EXPECT_EQ((*users)[1].name, "zoe");
  EXPECT_EQ((*users)[1].role, UserRole::kAdmin);
  EXPECT_TRUE((*users)[1].disabled);
  for (const User& u : *users) EXPECT_TRUE(u.password_hash.empty());
}

TEST_F(UsersTest, BadInputIsRefusedAndChangesNothing) {
  Add("amira", UserRole::kCaseworker, "correct horse battery");
  EXPECT_EQ(AddUser(node(), {"amira", UserRole::kAdmin, "correct horse battery"}, {}).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(AddUser(node(), {"Bad Name", UserRole::kAdmin, "correct horse battery"}, {}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AddUser(node(), {"short", UserRole::kAdmin, "too short"}, {}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DisableUser(node(), "nobody", {}).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ResetPassword(node(), "amira", "short", {}).code(), absl::StatusCode::kInvalidArgument);
  auto users = ListUsers(node());
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ((*users)[0].role, UserRole::kCaseworker);
  EXPECT_EQ(ParseUserRole("root").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*ParseUserRole("auditor"), UserRole::kAuditor);
}

TEST_F(UsersTest, UsersDbHoldsNoNameRoleOrHashInTheClear) {
  Add("amira-caseworker", UserRole::kSupervisor, "correct horse battery");
  auto bytes = common::ReadWholeFile(node().paths().users_db());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_THAT(*bytes, Not(HasSubstr("amira")));
  EXPECT_THAT(*bytes, Not(HasSubstr("supervisor")));
  EXPECT_THAT(*bytes, Not(HasSubstr("argon2id")));
}

TEST_F(UsersTest, ASealedUserMovedToAnotherRowDoesNotOpen) {
  Add("amira", UserRole::kCaseworker, "correct horse battery");
  Add("boris", UserRole::kAdmin, "correct horse battery");
  {
    auto db = store::sqlite::Database::Open(node().paths().users_db(), {});
    ASSERT_TRUE(db.ok());
    // Give every row amira's ciphertext: boris's row must no longer open.
    ASSERT_TRUE((*db)
                    ->Exec("UPDATE users SET sealed = (SELECT sealed FROM users ORDER BY "
                           "sealed LIMIT 1)")
                    .ok());
  }
  auto users = ListUsers(node());
  EXPECT_EQ(users.status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(UsersTest, ChangesAndLoginsAreLoggedWithTheActingOfficial) {
  Add("amira", UserRole::kCaseworker, "correct horse battery");
  ASSERT_TRUE(DisableUser(node(), "amira", {"admin1", ""}).ok());
  auto store = OpenUserStore(node());
  ASSERT_TRUE(store.ok());
  (void)Authenticate(**store, node(), "amira", "correct horse battery");
  const std::string log = testing::AccessLogText(node());
  EXPECT_THAT(log, HasSubstr("users.add official=operator outcome=ok detail=user amira role "
                             "caseworker\n"));
  EXPECT_THAT(log, HasSubstr("users.disable official=admin1 outcome=ok detail=user amira\n"));
  EXPECT_THAT(log, HasSubstr("console.login official=amira outcome=PERMISSION_DENIED: wrong user "
                             "name or password detail=user disabled\n"));
  EXPECT_THAT(log, Not(HasSubstr("correct horse")));
}

}  // namespace
}  // namespace fedlink::app
