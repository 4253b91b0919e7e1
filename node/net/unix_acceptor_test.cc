#include "node/net/unix_acceptor.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "node/net/test_sockets.h"

namespace fedlink::net {
namespace {

class UnixAcceptorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           absl::StrCat("acc-", ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "a.sock").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Starts an acceptor that answers "hi" on each connection and closes it.
  std::unique_ptr<UnixAcceptor> Start(AcceptorOptions options = {}) {
    options.path = path_;
    options.on_connection = [](int fd) {
      (void)!write(fd, "hi", 2);
      close(fd);
    };
    auto acceptor = UnixAcceptor::Start(std::move(options));
    EXPECT_TRUE(acceptor.ok()) << acceptor.status();
    return acceptor.ok() ? *std::move(acceptor) : nullptr;
  }
  std::optional<std::string> Greeting() {
    int fd = testing::ConnectUnix(path_);
    if (fd < 0) return std::nullopt;
    auto got = testing::ReceiveWithin(fd, absl::Seconds(5));
    close(fd);
    return got;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(UnixAcceptorTest, HandsEachConnectionOverAndRemovesTheSocketWhenStopped) {
  // A socket left by a crashed server is replaced.
  { std::ofstream(path_) << "stale"; }
  auto acceptor = Start();
  ASSERT_NE(acceptor, nullptr);
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(Greeting(), "hi");
  EXPECT_EQ(Greeting(), "hi");
  acceptor->Stop();
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(UnixAcceptorTest, RecoversAfterRunningOutOfDescriptors) {
  auto acceptor = Start();
  ASSERT_NE(acceptor, nullptr);
  {
    testing::OpenFileLimit limit(512);
    testing::DescriptorHog hog;
    hog.Release(1);
    int fd = testing::ConnectUnix(path_);
    ASSERT_GE(fd, 0);
    // Shed: closed without a greeting rather than left hanging.
    EXPECT_EQ(testing::ReceiveWithin(fd, absl::Seconds(5)), std::string());
    close(fd);
    EXPECT_GE(acceptor->exhausted(), 1u);
  }
  EXPECT_EQ(Greeting(), "hi");
}

TEST_F(UnixAcceptorTest, GivesUpWhenDescriptorsStayExhausted) {
  absl::Mutex mu;
  absl::Status fatal;
  AcceptorOptions options;
  options.exhaustion_limit = absl::Milliseconds(200);
  options.on_fatal = [&](const absl::Status& s) {
    absl::MutexLock lock(&mu);
    fatal = s;
  };
  auto acceptor = Start(options);
  ASSERT_NE(acceptor, nullptr);
  {
    testing::OpenFileLimit limit(512);
    testing::DescriptorHog hog;
    for (int i = 0; i < 3; ++i) {
      hog.Release(1);
      int fd = testing::ConnectUnix(path_);
      if (fd >= 0) {
        (void)testing::ReceiveWithin(fd, absl::Seconds(5));
        close(fd);
      }
      hog.Refill();
      absl::SleepFor(absl::Milliseconds(150));
    }
  }
  absl::MutexLock lock(&mu);
  ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(
                                      +[](absl::Status* s) { return !s->ok(); }, &fatal),
                                  absl::Seconds(60)));
  EXPECT_EQ(fatal.code(), absl::StatusCode::kResourceExhausted) << fatal;
}

}  // namespace
}  // namespace fedlink::net
