#include "node/net/unix_acceptor.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace fedlink::net {

struct UnixAcceptor::Impl {
  AcceptorOptions options;
  int listener = -1;
  int wake = -1;
  int reserve = -1;  // closed to make room when descriptors run out
  std::thread thread;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> exhausted{0};
  bool stopped = false;

  void Run();
};

void UnixAcceptor::Impl::Run() {
  absl::Duration backoff = absl::Milliseconds(50);
  absl::Time exhausted_since = absl::InfiniteFuture();
  absl::Time resume_at = absl::InfinitePast();
  while (!stop) {
    const absl::Time now = absl::Now();
    const bool paused = now < resume_at;
    pollfd fds[2] = {{wake, POLLIN, 0}, {listener, static_cast<short>(paused ? 0 : POLLIN), 0}};
    const int wait_ms =
        paused ? static_cast<int>(std::max<int64_t>(1, absl::ToInt64Milliseconds(resume_at - now)))
               : -1;
    if (poll(fds, 2, wait_ms) < 0 && errno != EINTR) break;
    if (stop) break;
    if (paused || (fds[1].revents & POLLIN) == 0) continue;
    for (;;) {
      int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) {
        if (exhausted_since != absl::InfiniteFuture()) {
          exhausted_since = absl::InfiniteFuture();
          backoff = absl::Milliseconds(50);
        }
        options.on_connection(fd);
        continue;
      }
      const int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) break;
      if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;
      if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
        ++exhausted;
        const absl::Time at = absl::Now();
        if (exhausted_since == absl::InfiniteFuture()) exhausted_since = at;
        if (at - exhausted_since > options.exhaustion_limit) {
          close(listener);  // waiting clients are refused rather than left hanging
          listener = -1;
          options.on_fatal(absl::ResourceExhaustedError(absl::StrCat(
              options.path, ": out of file descriptors or memory for ",
              absl::FormatDuration(options.exhaustion_limit), ": cannot accept connections")));
          return;
        }
        // Shed the waiting connection rather than leave it hanging.
        if (reserve >= 0) {
          close(reserve);
          int shed = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
          if (shed >= 0) close(shed);
        }
        reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
        resume_at = at + backoff;
        backoff = std::min(backoff * 2, absl::Seconds(1));
        break;
      }
      close(listener);
      listener = -1;
      options.on_fatal(absl::InternalError(
          absl::StrCat(options.path, ": accepting connections failed: ", std::strerror(err))));
      return;
    }
  }
}

UnixAcceptor::UnixAcceptor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
UnixAcceptor::~UnixAcceptor() { Stop(); }

absl::StatusOr<std::unique_ptr<UnixAcceptor>> UnixAcceptor::Start(AcceptorOptions options) {
  sockaddr_un sun{};
  if (options.path.empty() || options.path.size() >= sizeof sun.sun_path) {
    return absl::InvalidArgumentError(absl::StrCat(options.path,
                                                   ": not a usable unix socket path (at most ",
                                                   sizeof sun.sun_path - 1, " bytes)"));
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  const std::string& path = impl->options.path;
  unlink(path.c_str());
  impl->listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  impl->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  impl->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
  sun.sun_family = AF_UNIX;
  std::strncpy(sun.sun_path, path.c_str(), sizeof sun.sun_path - 1);
  const bool listening = impl->listener >= 0 &&
                         bind(impl->listener, reinterpret_cast<sockaddr*>(&sun), sizeof sun) == 0 &&
                         listen(impl->listener, SOMAXCONN) == 0;
  const int err = errno;
  if (!listening || impl->wake < 0 || impl->reserve < 0) {
    for (int fd : {impl->listener, impl->wake, impl->reserve}) {
      if (fd >= 0) close(fd);
    }
    impl->stopped = true;
    return absl::UnavailableError(absl::StrCat(path, ": cannot listen: ", std::strerror(err)));
  }
  chmod(path.c_str(), 0600);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<UnixAcceptor>(new UnixAcceptor(std::move(impl)));
}

void UnixAcceptor::Stop() {
  if (impl_ == nullptr || impl_->stopped) return;
  impl_->stopped = true;
  impl_->stop = true;
  const uint64_t one = 1;
  (void)!write(impl_->wake, &one, sizeof one);
  impl_->thread.join();
  for (int fd : {impl_->listener, impl_->wake, impl_->reserve}) {
    if (fd >= 0) close(fd);
  }
  unlink(impl_->options.path.c_str());
}

uint64_t UnixAcceptor::exhausted() const { return impl_->exhausted; }

}  // namespace fedlink::net
