#include "node/common/whole_file.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedlink::common {
namespace {

using ::testing::HasSubstr;

class WholeFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(WholeFileTest, ReadsEveryByte) {
  const std::string bytes("a\0b\nc", 5);
  auto read = ReadWholeFile(Write("f", bytes));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, bytes);
}

TEST_F(WholeFileTest, AMissingFileIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(ReadWholeFile((dir_ / "none").string()).status()));
}

TEST_F(WholeFileTest, RefusesWhatIsNotARegularFile) {
  // `import /dev/zero` would read forever; a FIFO would block.
  EXPECT_THAT(ReadWholeFile("/dev/zero").status().message(), HasSubstr("not a regular file"));
  EXPECT_THAT(ReadWholeFile(dir_.string()).status().message(), HasSubstr("not a regular file"));
  const std::string fifo = (dir_ / "fifo").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THAT(ReadWholeFile(fifo).status().message(), HasSubstr("not a regular file"));
}

TEST_F(WholeFileTest, RefusesAFileLargerThanItsFormatAllows) {
  const std::string path = Write("big", std::string(11, 'x'));
  EXPECT_TRUE(ReadWholeFile(path, 11).ok());
  auto refused = ReadWholeFile(path, 10);
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status()));
  EXPECT_THAT(refused.status().message(), HasSubstr("11 bytes, more than the 10"));
}

TEST_F(WholeFileTest, WritesAtomicallyWithTheMode) {
  const std::string path = (dir_ / "w").string();
  ASSERT_TRUE(WriteFileAtomically(path, "one", 0600).ok());
  ASSERT_TRUE(WriteFileAtomically(path, "two", 0600).ok());
  EXPECT_EQ(*ReadWholeFile(path), "two");
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST_F(WholeFileTest, WritesPrivateFilesByDefaultEvenOverALooseLeftoverTmp) {
  const std::string path = (dir_ / "state").string();
  Write("state.tmp", "left by a crash");
  ASSERT_EQ(chmod((path + ".tmp").c_str(), 0666), 0);
  ASSERT_TRUE(WriteFileAtomically(path, "new").ok());
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(WriteFileAtomically(path, "shared", 0644).ok());
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, st.st_mode & 0044);  // no more than asked, less the umask
}

}  // namespace
}  // namespace fedlink::common
