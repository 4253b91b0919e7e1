// The node directory after a realistic run (records, serving, matching,
// a contact request) is 0700 with every file in it 0600, and a node whose
// directory or files were opened to others is refused at the next start.
#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/app/followup.h"
#include "node/app/node.h"
#include "node/app/test_app_federation.h"

namespace fedlink::app {
namespace {

using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using testing::MariaIvanova;

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

// Every path under `dir` relative to it; expects directories 0700, the rest 0600.
std::set<std::string> ExpectPrivate(const std::string& dir) {
  EXPECT_EQ(ModeOf(dir), 0700u) << dir;
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    const std::string path = entry.path().string();
    names.insert(std::filesystem::relative(entry.path(), dir).string());
    EXPECT_EQ(ModeOf(path), entry.is_directory() ? 0700u : 0600u) << path;
  }
  return names;
}

class PrivateModesTest : public testing::PoliceAndNgoTest {
 protected:
  void Run() {
    fed_.Add("police", {MariaIvanova("P-1")});
    fed_.Add("ngo", {MariaIvanova("N-1")});
    fed_.Serve("police");
    fed_.Serve("ngo");
    ASSERT_NO_FATAL_FAILURE(NgoAsksPoliceForContact());
    auto inbox = ReadInbox(fed_.node("police"));
    ASSERT_TRUE(inbox.ok()) << inbox.status();
    fed_.StopServing("police");
    fed_.StopServing("ngo");
  }
  std::string Dir(const std::string& id) { return fed_.node(id).paths().dir; }
};

TEST_F(PrivateModesTest, EveryFileANodeWritesIsPrivate) {
  ASSERT_NO_FATAL_FAILURE(Run());
  const std::set<std::string> police = ExpectPrivate(Dir("police"));
  const std::set<std::string> ngo = ExpectPrivate(Dir("ngo"));
  // The walk saw the files that matter, not an empty directory.
  EXPECT_THAT(police,
              IsSupersetOf({"node.conf", "identity.key", "node.db", "tls.key", "tls.crt",
                            "roster.bin", "roster.version", "federation.key", "federation.db",
                            "policy.txtpb", "oprf.seed", "budget.db", "followup.db", "audit.db"}));
  EXPECT_THAT(ngo, IsSupersetOf({"node.db", "audit.db", "followup.db", "cache"}));
}

TEST_F(PrivateModesTest, AnOpenDirectoryIsRefusedAtStart) {
  ASSERT_NO_FATAL_FAILURE(Run());
  const std::string dir = Dir("police");
  ASSERT_EQ(chmod(dir.c_str(), 0755), 0);
  auto opened = Node::Open(dir);
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(absl::IsPermissionDenied(opened.status())) << opened.status();
  EXPECT_THAT(opened.status().message(),
              HasSubstr(dir + ": directory mode 0755 is too open (must be 0700; run chmod 700 " +
                        dir + ")"));
  ASSERT_EQ(chmod(dir.c_str(), 0700), 0);
  EXPECT_TRUE(Node::Open(dir).ok());
}

TEST_F(PrivateModesTest, AReadableDatabaseOrCacheFileIsRefusedAtStart) {
  ASSERT_NO_FATAL_FAILURE(Run());
  for (const char* file : {"node.db", "audit.db", "followup.db", "node.conf"}) {
    const std::string path = Dir("police") + "/" + file;
    ASSERT_EQ(chmod(path.c_str(), 0644), 0);
    auto opened = Node::Open(Dir("police"));
    ASSERT_FALSE(opened.ok()) << file;
    EXPECT_TRUE(absl::IsPermissionDenied(opened.status())) << opened.status();
    EXPECT_THAT(opened.status().message(),
                HasSubstr(path + ": file mode 0644 is too open (must be 0600; run chmod 600 " +
                          path + ")"));
    ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  }
  for (const auto& entry : std::filesystem::directory_iterator(Dir("ngo") + "/cache")) {
    ASSERT_EQ(chmod(entry.path().c_str(), 0640), 0);
    EXPECT_THAT(Node::Open(Dir("ngo")).status().message(),
                HasSubstr(entry.path().string() + ": file mode 0640 is too open"));
    ASSERT_EQ(chmod(entry.path().c_str(), 0600), 0);
  }
  EXPECT_TRUE(Node::Open(Dir("police")).ok());
  EXPECT_TRUE(Node::Open(Dir("ngo")).ok());
}

}  // namespace
}  // namespace fedlink::app
