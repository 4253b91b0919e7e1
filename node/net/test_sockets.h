// Test helpers for what a hostile or careless network client does to a
// node: raw loopback connections that say nothing, many of them from a child
// process, and a process that has run out of file descriptors.
#ifndef FEDLINK_NODE_NET_TEST_SOCKETS_H_
#define FEDLINK_NODE_NET_TEST_SOCKETS_H_

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace fedlink::net::testing {

// Connects the TCP socket `fd` to 127.0.0.1:port; needs no new descriptor.
inline bool ConnectSocketToLoopback(int fd, int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

// A TCP connection to 127.0.0.1:port (-1 if refused).
inline int ConnectLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (!ConnectSocketToLoopback(fd, port)) {
    close(fd);
    return -1;
  }
  return fd;
}

// A connection to a unix socket (-1 if refused).
inline int ConnectUnix(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::strncpy(sun.sun_path, path.c_str(), sizeof sun.sun_path - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// What `fd` receives within `wait`: bytes, "" for end of stream (or a
// reset), or nullopt if nothing came.
inline std::optional<std::string> ReceiveWithin(int fd, absl::Duration wait) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(wait))) <= 0) return std::nullopt;
  char buf[4096];
  ssize_t n = recv(fd, buf, sizeof buf, 0);
  if (n <= 0) return std::string();
  return std::string(buf, static_cast<size_t>(n));
}

// Sets this process's soft limit on open files for the scope.
class OpenFileLimit {
 public:
  explicit OpenFileLimit(rlim_t soft) {
    getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = soft;
    setrlimit(RLIMIT_NOFILE, &lowered);
  }
  ~OpenFileLimit() { setrlimit(RLIMIT_NOFILE, &saved_); }
  OpenFileLimit(const OpenFileLimit&) = delete;
  OpenFileLimit& operator=(const OpenFileLimit&) = delete;

 private:
  rlimit saved_{};
};

// Holds every free file descriptor of the process until destroyed (lower
// the limit first, with OpenFileLimit, so that this is quick).
class DescriptorHog {
 public:
  DescriptorHog() { Refill(); }
  ~DescriptorHog() { Release(fds_.size()); }
  DescriptorHog(const DescriptorHog&) = delete;
  DescriptorHog& operator=(const DescriptorHog&) = delete;
  // Takes every descriptor freed since.
  void Refill() {
    for (;;) {
      int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
      fds_.push_back(fd);
    }
  }
  void Release(size_t n) {
    for (size_t i = 0; i < n && !fds_.empty(); ++i) {
      close(fds_.back());
      fds_.pop_back();
    }
  }
  size_t held() const { return fds_.size(); }

 private:
  std::vector<int> fds_;
};

// `count` idle TCP connections to 127.0.0.1:port, opened and held by a child
// process (so they cost this process no descriptor) until destroyed. The
// child only makes system calls (safe after fork in a threaded process).
class IdleConnections {
 public:
  IdleConnections(int port, int count) {
    int ready[2], hold[2];
    if (pipe(ready) != 0 || pipe(hold) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      rlimit limit{};
      getrlimit(RLIMIT_NOFILE, &limit);
      // Keep nothing of the parent's (its sockets would stay open here).
      for (int fd = 3; fd < static_cast<int>(limit.rlim_cur); ++fd) {
        if (fd != ready[1] && fd != hold[0]) close(fd);
      }
      limit.rlim_cur = limit.rlim_max;
      setrlimit(RLIMIT_NOFILE, &limit);
      int opened = 0;
      for (int i = 0; i < count; ++i) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<uint16_t>(port));
        if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
          ++opened;
        }
      }
      (void)!write(ready[1], &opened, sizeof opened);
      char c;
      (void)!read(hold[0], &c, 1);  // until the parent closes its end
      _exit(0);
    }
    close(ready[1]);
    close(hold[0]);
    if (read(ready[0], &opened_, sizeof opened_) != sizeof opened_) opened_ = 0;
    close(ready[0]);
    hold_ = hold[1];
  }
  ~IdleConnections() { Close(); }
  IdleConnections(const IdleConnections&) = delete;
  IdleConnections& operator=(const IdleConnections&) = delete;

  int opened() const { return opened_; }
  // Closes them all (the child exits).
  void Close() {
    if (pid_ <= 0) return;
    close(hold_);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int hold_ = -1;
  int opened_ = 0;
};

}  // namespace fedlink::net::testing

#endif  // FEDLINK_NODE_NET_TEST_SOCKETS_H_
