// The gate over real loopback TCP and a real unix-socket server (an echo
// server here; the peer server's tests put gRPC behind it).
#include "node/net/connection_gate.h"

#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/net/test_sockets.h"

namespace fedlink::net {
namespace {

// A unix-socket server that echoes every byte back, one thread per
// connection (few in these tests).
class EchoServer {
 public:
  explicit EchoServer(std::string path) : path_(std::move(path)) {
    std::filesystem::remove(path_);
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::strncpy(sun.sun_path, path_.c_str(), sizeof sun.sun_path - 1);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&sun), sizeof sun), 0) << path_;
    EXPECT_EQ(listen(fd_, 128), 0);
    thread_ = std::thread([this] { Run(); });
  }
  ~EchoServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    for (auto& t : connections_) t.join();
    close(fd_);
    std::filesystem::remove(path_);
  }
  const std::string& path() const { return path_; }

 private:
  void Run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      connections_.emplace_back([this, c] {
        char buf[4096];
        while (!stop_) {
          pollfd p{c, POLLIN, 0};
          if (poll(&p, 1, 50) <= 0) continue;
          ssize_t n = recv(c, buf, sizeof buf, 0);
          if (n <= 0) break;
          if (send(c, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) break;
        }
        close(c);
      });
    }
  }

  std::string path_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<std::thread> connections_;
};

int Connect(int port) { return testing::ConnectLoopback(port); }

std::optional<std::string> Receive(int fd, absl::Duration wait) {
  return testing::ReceiveWithin(fd, wait);
}

bool Echoes(int fd, const std::string& text) {
  if (send(fd, text.data(), text.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(text.size())) {
    return false;
  }
  std::string got;
  while (got.size() < text.size()) {
    auto part = Receive(fd, absl::Seconds(5));
    if (!part.has_value() || part->empty()) return false;
    got += *part;
  }
  return got == text;
}

// Two round trips: four turns, so the gate counts the connection as
// established.
bool Establish(int fd) { return Echoes(fd, "client hello") && Echoes(fd, "client flight"); }

// Waits until `done` holds (up to 60 s: ctest runs tests side by side on a
// loaded CI machine; no time is asserted, only that it happens).
template <typename F>
bool Eventually(F done) {
  const absl::Time end = absl::Now() + absl::Seconds(60);
  while (absl::Now() < end) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return done();
}

class ConnectionGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           absl::StrCat("gate-", ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    echo_ = std::make_unique<EchoServer>((dir_ / "s.sock").string());
    options_.listen = "127.0.0.1:0";
    options_.backend = echo_->path();
  }
  void TearDown() override {
    for (int fd : clients_) close(fd);
    gate_.reset();
    echo_.reset();
    std::filesystem::remove_all(dir_);
  }
  void StartGate() {
    auto gate = ConnectionGate::Start(options_);
    ASSERT_TRUE(gate.ok()) << gate.status();
    gate_ = *std::move(gate);
  }
  int Client() {
    int fd = Connect(gate_->port());
    if (fd >= 0) clients_.push_back(fd);
    return fd;
  }

  std::filesystem::path dir_;
  std::unique_ptr<EchoServer> echo_;
  GateOptions options_;
  std::unique_ptr<ConnectionGate> gate_;
  std::vector<int> clients_;
};

TEST_F(ConnectionGateTest, RelaysBytesBothWays) {
  StartGate();
  int fd = Client();
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(Establish(fd));
  std::string big(1 << 20, 'x');  // more than the buffers: back-pressure both ways
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  std::thread writer([&] { send(fd, big.data(), big.size(), MSG_NOSIGNAL); });
  std::string got;
  while (got.size() < big.size()) {
    auto part = Receive(fd, absl::Seconds(10));
    ASSERT_TRUE(part.has_value() && !part->empty());
    got += *part;
  }
  writer.join();
  EXPECT_EQ(got, big);
  EXPECT_TRUE(Eventually([&] { return gate_->stats().established == 1; }));
}

TEST_F(ConnectionGateTest, ClosesAConnectionThatNeverFinishesItsHandshake) {
  // Long enough for `half` and `done` to take their turns on a loaded CI
  // machine (300 ms were not: the test stalls there while others run).
  options_.handshake_timeout = absl::Seconds(2);
  StartGate();
  int idle = Client();
  int half = Client();
  int done = Client();
  ASSERT_TRUE(Echoes(half, "client hello"));  // two turns, then silence
  ASSERT_TRUE(Establish(done));
  EXPECT_EQ(Receive(idle, absl::Seconds(30)), std::string());
  EXPECT_EQ(Receive(half, absl::Seconds(30)), std::string());
  EXPECT_TRUE(Echoes(done, "still here"));
  EXPECT_EQ(gate_->stats().handshake_timeouts, 2u);
}

TEST_F(ConnectionGateTest, ClosesAnIdleEstablishedConnection) {
  options_.idle_timeout = absl::Milliseconds(300);
  StartGate();
  int fd = Client();
  ASSERT_TRUE(Establish(fd));
  EXPECT_EQ(Receive(fd, absl::Seconds(5)), std::string());
  EXPECT_EQ(gate_->stats().idle_timeouts, 1u);
}

TEST_F(ConnectionGateTest, AFullGateEvictsTheOldestConnectionStillInItsHandshake) {
  options_.max_connections = 4;
  StartGate();
  int member = Client();
  ASSERT_TRUE(Establish(member));
  std::vector<int> idle;
  for (int i = 0; i < 3; ++i) idle.push_back(Client());
  ASSERT_TRUE(Eventually([&] { return gate_->stats().open == 4; }));
  // A fifth connection takes the place of the oldest idle one.
  int newcomer = Client();
  EXPECT_TRUE(Establish(newcomer));
  EXPECT_EQ(Receive(idle[0], absl::Seconds(5)), std::string());
  EXPECT_EQ(Receive(idle[1], absl::Milliseconds(100)), std::nullopt);  // still open
  EXPECT_TRUE(Echoes(member, "the established one stays"));
  GateStats stats = gate_->stats();
  EXPECT_EQ(stats.evicted, 1u);
  EXPECT_EQ(stats.open, 4u);
}

TEST_F(ConnectionGateTest, AGateFullOfEstablishedConnectionsRefusesNewcomers) {
  options_.max_connections = 2;
  StartGate();
  int a = Client(), b = Client();
  ASSERT_TRUE(Establish(a));
  ASSERT_TRUE(Establish(b));
  int c = Client();
  EXPECT_EQ(Receive(c, absl::Seconds(5)), std::string());
  EXPECT_TRUE(Echoes(a, "a stays"));
  EXPECT_TRUE(Echoes(b, "b stays"));
  EXPECT_EQ(gate_->stats().refused, 1u);
}

TEST_F(ConnectionGateTest, ASourceAtItsCapEvictsItsOwnOldestHandshake) {
  options_.max_connections = 100;
  options_.max_per_source = 3;
  StartGate();
  std::vector<int> fds;
  for (int i = 0; i < 10; ++i) fds.push_back(Client());
  ASSERT_TRUE(Eventually([&] { return gate_->stats().evicted == 7; }));
  EXPECT_EQ(gate_->stats().open, 3u);
  EXPECT_TRUE(Establish(fds.back()));
}

using testing::DescriptorHog;
using testing::OpenFileLimit;

TEST_F(ConnectionGateTest, RecoversAfterRunningOutOfDescriptors) {
  std::atomic<int> recovered{0};
  options_.on_recovered = [&] { ++recovered; };
  StartGate();
  int pending = -1;
  {
    OpenFileLimit limit(512);
    DescriptorHog hog;
    ASSERT_GT(hog.held(), 0u);
    hog.Release(1);
    pending = Connect(gate_->port());  // takes the one free descriptor
    ASSERT_GE(pending, 0);
    // The gate cannot take it: it sheds it rather than leave it waiting.
    EXPECT_EQ(Receive(pending, absl::Seconds(5)), std::string());
    EXPECT_GE(gate_->stats().exhausted, 1u);
    close(pending);
  }
  // Descriptors are free again: the gate accepts as before.
  int fd = Client();
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(Establish(fd));
  EXPECT_EQ(recovered.load(), 1);
  EXPECT_FALSE(gate_->stats().fatal);
}

TEST_F(ConnectionGateTest, GivesUpWhenDescriptorsStayExhausted) {
  std::atomic<int> fatal{0};
  options_.exhaustion_limit = absl::Milliseconds(200);
  options_.on_fatal = [&](const absl::Status& s) {
    EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
    ++fatal;
  };
  StartGate();
  // The clients' sockets exist before descriptors run out, so connecting them
  // takes none: while the hog holds every free descriptor, only the gate's own
  // reserve moves (freeing a descriptor for the test instead would race the
  // gate taking it for a connection still in its backlog).
  std::vector<int> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_GE(clients.back(), 0);
  }
  {
    OpenFileLimit limit(512);
    DescriptorHog hog;
    for (int fd : clients) {
      // Refused once the gate has given up and closed its listener.
      if (!testing::ConnectSocketToLoopback(fd, gate_->port())) break;
      (void)Receive(fd, absl::Seconds(5));  // shed, or reset when the gate gives up
      absl::SleepFor(absl::Milliseconds(150));
    }
  }
  for (int fd : clients) close(fd);
  EXPECT_TRUE(Eventually([&] { return fatal.load() == 1; }));
  EXPECT_TRUE(gate_->stats().fatal);
  // It no longer listens.
  EXPECT_LT(Connect(gate_->port()), 0);
}

TEST_F(ConnectionGateTest, StopAcceptingKeepsOpenConnections) {
  StartGate();
  int fd = Client();
  ASSERT_TRUE(Establish(fd));
  gate_->StopAccepting();
  EXPECT_LT(Connect(gate_->port()), 0);
  EXPECT_TRUE(Echoes(fd, "still relayed"));
}

TEST(ConnectionGateStartTest, RefusesAnAddressInUse) {
  GateOptions options;
  options.listen = "127.0.0.1:0";
  options.backend = "/nonexistent/s.sock";
  auto first = ConnectionGate::Start(options);
  ASSERT_TRUE(first.ok()) << first.status();
  options.listen = absl::StrCat("127.0.0.1:", (*first)->port());
  auto second = ConnectionGate::Start(options);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
  EXPECT_THAT(std::string(second.status().message()),
              ::testing::AllOf(::testing::HasSubstr("cannot listen for peers: "),
                               ::testing::HasSubstr("another process (another fedlink node?)")));
}

TEST(ConnectionCapTest, FitsTheOpenFileLimit) {
  rlimit saved{};
  getrlimit(RLIMIT_NOFILE, &saved);
  rlimit lowered = saved;
  lowered.rlim_cur = 1024;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  EXPECT_EQ(ConnectionCapFor(256), 192);  // (1024 - 256) / 4
  EXPECT_EQ(ConnectionCapFor(100), 100);
  lowered.rlim_cur = 200;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  EXPECT_EQ(ConnectionCapFor(256), 1);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  auto raised = RaiseOpenFileLimit();
  ASSERT_TRUE(raised.ok()) << raised.status();
  EXPECT_EQ(*raised, saved.rlim_max);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
}

}  // namespace
}  // namespace fedlink::net
