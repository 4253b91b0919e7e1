// A test fixture for the private_match unit tests that open a node's files.
#ifndef FEDLINK_NODE_PRIVATE_MATCH_TESTING_NODE_DIR_H_
#define FEDLINK_NODE_PRIVATE_MATCH_TESTING_NODE_DIR_H_

#include <unistd.h>

#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "node/common/node_paths.h"

namespace fedlink::private_match {

// Gives each test its own node directory, `<name><pid>-<n>` under the test
// temporary directory: empty when the test starts (nothing is initialised;
// the test creates what it needs through `paths_`) and removed when the
// fixture is destroyed, after the derived fixture's members are.
//
//   class KeyringTest : public NodeDirTest {
//    protected:
//     KeyringTest() : NodeDirTest("keyring") {}
//   };
class NodeDirTest : public ::testing::Test {
 protected:
  explicit NodeDirTest(const std::string& name)
      : dir_((std::filesystem::path(::testing::TempDir()) /
              (name + std::to_string(getpid()) + "-" + std::to_string(counter_++)))
                 .string()),
        paths_(dir_) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~NodeDirTest() override { std::filesystem::remove_all(dir_); }

  const std::string dir_;
  const common::NodePaths paths_;

 private:
  static inline int counter_ = 0;
};

// budget.db's tables as earlier versions of fedlink created them, for
// migration tests: schema 1 charged per UTC day, schema 2 added the
// consent-expiry watermark (which schema 3 moved to its own file), schema 4
// charged per minute in a sliding window, of any key type.
inline constexpr char kBudgetUseV1[] =
    "CREATE TABLE budget_use (peer TEXT NOT NULL, purpose TEXT NOT NULL, "
    "day INTEGER NOT NULL, used INTEGER NOT NULL, "
    "PRIMARY KEY (peer, purpose, day)) WITHOUT ROWID;";
inline constexpr char kConsentExpiryV2[] =
    "CREATE TABLE consent_expiry (one INTEGER PRIMARY KEY CHECK (one = 1), "
    "checked_until INTEGER NOT NULL);";
inline constexpr char kBudgetChargeV4[] =
    "CREATE TABLE budget_charge (peer TEXT NOT NULL, purpose TEXT NOT NULL, "
    "minute INTEGER NOT NULL, last_at INTEGER NOT NULL, used INTEGER NOT NULL, "
    "PRIMARY KEY (peer, purpose, minute)) WITHOUT ROWID; DROP TABLE budget_use;";

}  // namespace fedlink::private_match

#endif  // FEDLINK_NODE_PRIVATE_MATCH_TESTING_NODE_DIR_H_
