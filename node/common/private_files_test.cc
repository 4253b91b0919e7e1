#include "node/common/private_files.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::common {
namespace {

using ::testing::HasSubstr;

class PrivateFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::path(::testing::TempDir()) /
            ::testing::UnitTest::GetInstance()->current_test_info()->name())
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ + "/cache");
    ASSERT_EQ(chmod(dir_.c_str(), 0700), 0);
    ASSERT_EQ(chmod((dir_ + "/cache").c_str(), 0700), 0);
    Create("node.db", 0600);
    Create("cache/peer", 0600);
  }
  void Create(const std::string& name, mode_t mode) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << "x";
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
  }
  std::string dir_;
};

TEST_F(PrivateFilesTest, AcceptsA0700DirectoryOf0600Files) {
  EXPECT_TRUE(CheckPrivateTree(dir_).ok()) << CheckPrivateTree(dir_);
  ASSERT_EQ(chmod((dir_ + "/node.db").c_str(), 0400), 0);  // stricter is fine
  EXPECT_TRUE(CheckPrivateTree(dir_).ok());
}

TEST_F(PrivateFilesTest, RefusesAnOpenDirectoryNamingItsMode) {
  ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  const absl::Status s = CheckPrivateTree(dir_);
  EXPECT_TRUE(absl::IsPermissionDenied(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr(dir_ + ": directory mode 0755 is too open (must be 0700"));
  EXPECT_THAT(s.message(), HasSubstr("chmod 700 " + dir_));
}

TEST_F(PrivateFilesTest, RefusesAnyFileOpenToGroupOrOthers) {
  for (mode_t mode : {0644, 0640, 0604, 0620, 0602, 0610, 0601}) {
    ASSERT_EQ(chmod((dir_ + "/node.db").c_str(), mode), 0);
    const absl::Status s = CheckPrivateTree(dir_);
    EXPECT_TRUE(absl::IsPermissionDenied(s)) << std::oct << mode;
    EXPECT_THAT(s.message(), HasSubstr(dir_ + "/node.db: file mode 0"));
    EXPECT_THAT(s.message(), HasSubstr("chmod 600 " + dir_ + "/node.db"));
  }
}

TEST_F(PrivateFilesTest, RefusesOpenFilesAndDirectoriesInSubdirectories) {
  ASSERT_EQ(chmod((dir_ + "/cache/peer").c_str(), 0644), 0);
  EXPECT_THAT(CheckPrivateTree(dir_).message(), HasSubstr("cache/peer: file mode 0644"));
  ASSERT_EQ(chmod((dir_ + "/cache/peer").c_str(), 0600), 0);
  ASSERT_EQ(chmod((dir_ + "/cache").c_str(), 0750), 0);
  EXPECT_THAT(CheckPrivateTree(dir_).message(), HasSubstr("cache: directory mode 0750"));
}

TEST_F(PrivateFilesTest, ChecksWhatASymlinkPointsTo) {
  const std::string outside = dir_ + "-outside.db";
  std::ofstream(outside) << "x";
  ASSERT_EQ(chmod(outside.c_str(), 0644), 0);
  std::filesystem::create_symlink(outside, dir_ + "/audit.db");
  EXPECT_THAT(CheckPrivateTree(dir_).message(), HasSubstr("audit.db: file mode 0644"));
}

TEST_F(PrivateFilesTest, AMissingDirectoryIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(CheckPrivateTree(dir_ + "/none")));
}

}  // namespace
}  // namespace fedlink::common
