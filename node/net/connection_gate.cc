#include "node/net/connection_gate.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace fedlink::net {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

// Errors of accept(2) that concern one connection only: skip it.
bool OneConnectionFailed(int err) {
  switch (err) {
    case ECONNABORTED:
    case EPROTO:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
    case EPERM:
    case ETIMEDOUT:
      return true;
    default:
      return false;
  }
}

// The process ran out of descriptors or kernel memory: it passes once some
// are freed.
bool OutOfResources(int err) {
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

// Who a connection comes from, for the per-source cap: the IPv4 address, or
// the /64 of an IPv6 address (one host easily holds a whole /64).
std::string SourceOf(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    return text;
  }
  if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      char text[INET_ADDRSTRLEN] = {};
      inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], text, sizeof text);
      return text;
    }
    return absl::StrCat(absl::BytesToHexString(absl::string_view(
                            reinterpret_cast<const char*>(in6->sin6_addr.s6_addr), 8)),
                        "::/64");
  }
  return "local";
}

// A bounded byte queue from one side of a connection to the other.
class Buffer {
 public:
  explicit Buffer(size_t capacity) : capacity_(capacity) {}
  size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }
  size_t space() const { return capacity_ - size(); }
  // Room at the end for a read of up to space() bytes.
  char* Tail(size_t* room) {
    if (data_.empty()) data_.resize(capacity_);  // allocated on first use
    if (end_ == capacity_ && begin_ > 0) {
      std::memmove(data_.data(), data_.data() + begin_, size());
      end_ -= begin_;
      begin_ = 0;
    }
    *room = capacity_ - end_;
    return data_.data() + end_;
  }
  void Grew(size_t n) { end_ += n; }
  const char* Head() const { return data_.data() + begin_; }
  void Drop(size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }

 private:
  size_t capacity_;
  std::vector<char> data_;
  size_t begin_ = 0, end_ = 0;
};

enum class Side { kClient = 0, kServer = 1 };

struct Conn {
  Conn(uint64_t id, size_t buffer) : id(id), up(buffer), down(buffer) {}
  uint64_t id;
  int client = -1;
  int server = -1;
  std::string source;
  absl::Time opened;
  absl::Time last_active;
  // Turns of the conversation: a turn starts when the other side speaks.
  int turns = 0;
  int last_speaker = -1;
  bool established = false;
  Buffer up;    // client -> server
  Buffer down;  // server -> client
  bool client_eof = false;
  bool server_eof = false;
  bool server_shut = false;        // our write side to the server is shut
  bool server_gone = false;        // hung up: no longer polled
  bool client_registered = false;  // with epoll
  bool server_registered = false;
  uint32_t client_events = 0;
  uint32_t server_events = 0;
};

// epoll tags: connections by id * 2 + side; these are never ids.
constexpr uint64_t kWakeTag = ~uint64_t{0};
constexpr uint64_t kListenerTagBase = uint64_t{1} << 62;

constexpr int kTurnsToEstablish = 4;
constexpr int kReserveDescriptors = 256;
constexpr absl::Duration kSweepEvery = absl::Milliseconds(100);
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(50);
constexpr absl::Duration kMaxBackoff = absl::Seconds(1);

absl::StatusOr<std::vector<int>> Listen(const std::string& address, int* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(address, ": listen address must be HOST:PORT"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int wanted_port = 0;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &wanted_port) || wanted_port < 0 ||
      wanted_port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(address, ": listen address has no valid port"));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(wanted_port);
  if (int rc =
          getaddrinfo(host.empty() ? nullptr : host.c_str(), port_text.c_str(), &hints, &found);
      rc != 0) {
    return absl::UnavailableError(
        absl::StrCat(address, ": cannot resolve the listen address: ", gai_strerror(rc)));
  }
  std::vector<addrinfo*> addresses;
  bool v4 = false, v6 = false;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_family != AF_INET && a->ai_family != AF_INET6) continue;
    const bool seen = std::any_of(addresses.begin(), addresses.end(), [a](const addrinfo* b) {
      return b->ai_addrlen == a->ai_addrlen &&
             std::memcmp(b->ai_addr, a->ai_addr, a->ai_addrlen) == 0;
    });
    if (seen) continue;
    addresses.push_back(a);
    (a->ai_family == AF_INET ? v4 : v6) = true;
  }
  std::vector<int> fds;
  std::string first_error;
  bool in_use = false;
  int bound_port = wanted_port;
  for (addrinfo* a : addresses) {
    if (bound_port != 0) {
      if (a->ai_family == AF_INET) {
        reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_port = htons(bound_port);
      } else {
        reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_port = htons(bound_port);
      }
    }
    int fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      if (first_error.empty()) first_error = ErrnoText(errno);
      continue;
    }
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (a->ai_family == AF_INET6) {
      // One socket per family when the name has both, else dual-stack.
      const int v6_only = v4 && v6 ? 1 : 0;
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6_only, sizeof v6_only);
    }
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
      const int err = errno;
      if (first_error.empty() || err == EADDRINUSE) first_error = ErrnoText(err);
      close(fd);
      if (err == EADDRINUSE) {
        in_use = true;
        break;
      }
      continue;
    }
    if (bound_port == 0) {
      sockaddr_storage bound{};
      socklen_t len = sizeof bound;
      getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
      bound_port =
          ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                           : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    }
    fds.push_back(fd);
  }
  freeaddrinfo(found);
  if (in_use) {
    // No SO_REUSEPORT: a second node on the port is refused here, instead
    // of sharing it and peers failing their TLS handshakes at random.
    for (int fd : fds) close(fd);
    return absl::UnavailableError(absl::StrCat(
        address, ": cannot listen for peers: ", first_error,
        ": another process (another fedlink node?) listens on this port; stop it, or set "
        "another `listen` in node.conf"));
  }
  if (fds.empty()) {
    for (int fd : fds) close(fd);
    return absl::UnavailableError(absl::StrCat(
        address, ": cannot listen for peers: ", first_error.empty() ? "no address" : first_error));
  }
  *port = bound_port;
  return fds;
}

}  // namespace

struct ConnectionGate::Impl {
  explicit Impl(GateOptions o) : options(std::move(o)) {}

  GateOptions options;
  std::vector<int> listeners;
  int port = 0;
  int epoll = -1;
  int wake = -1;
  int reserve = -1;  // kept open to be closed when descriptors run out
  std::thread thread;

  // Shared with other threads.
  mutable absl::Mutex mu;
  GateStats stats ABSL_GUARDED_BY(mu);
  bool stop_accepting ABSL_GUARDED_BY(mu) = false;
  bool listeners_closed ABSL_GUARDED_BY(mu) = false;
  bool stop ABSL_GUARDED_BY(mu) = false;
  bool stopped = false;  // Stop() ran (the caller's)

  // The gate thread's own.
  std::map<uint64_t, std::unique_ptr<Conn>> conns;  // by id: oldest first
  std::map<std::string, int> per_source;
  uint64_t next_id = 1;
  bool accepting_paused = false;
  absl::Time resume_at = absl::InfinitePast();
  absl::Duration backoff = kFirstBackoff;
  absl::Time exhausted_since = absl::InfiniteFuture();
  bool fatal = false;

  void Wake() {
    const uint64_t one = 1;
    (void)!write(wake, &one, sizeof one);
  }

  template <typename F>
  void Count(F f) {
    absl::MutexLock lock(&mu);
    f(stats);
  }

  void Run();
  void AcceptFrom(int listener, absl::Time now);
  void Admit(int fd, const sockaddr_storage& addr, absl::Time now);
  bool MakeRoom(const std::string& source);
  bool ConnectServer(Conn& c, absl::Time now);
  int Holding(const std::string& source) const;
  void OnEvent(Conn& c, Side side, uint32_t events, absl::Time now);
  bool ReadSide(Conn& c, Side side, absl::Time now);
  bool Flush(Conn& c, Side side);
  bool Update(Conn& c);
  void Close(uint64_t id);
  void Sweep(absl::Time now);
  void Exhausted(int listener, absl::Time now);
  void PauseAccepting(absl::Time now);
  void SetListening(bool on);
  void CloseListeners();
  void Fatal(const absl::Status& status);
};

void ConnectionGate::Impl::SetListening(bool on) {
  for (size_t i = 0; i < listeners.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kListenerTagBase + i;
    epoll_ctl(epoll, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, listeners[i], &ev);
  }
}

void ConnectionGate::Impl::CloseListeners() {
  if (!accepting_paused) SetListening(false);
  accepting_paused = true;
  resume_at = absl::InfiniteFuture();
  for (int fd : listeners) close(fd);
  listeners.clear();
  absl::MutexLock lock(&mu);
  listeners_closed = true;
}

void ConnectionGate::Impl::Fatal(const absl::Status& status) {
  if (fatal) return;
  fatal = true;
  CloseListeners();
  Count([](GateStats& s) { s.fatal = true; });
  options.on_fatal(status);
}

void ConnectionGate::Impl::PauseAccepting(absl::Time now) {
  if (!accepting_paused) SetListening(false);
  accepting_paused = true;
  resume_at = now + backoff;
  backoff = std::min(backoff * 2, kMaxBackoff);
}

void ConnectionGate::Impl::Exhausted(int listener, absl::Time now) {
  Count([](GateStats& s) { ++s.exhausted; });
  if (exhausted_since == absl::InfiniteFuture()) exhausted_since = now;
  if (now - exhausted_since > options.exhaustion_limit) {
    Fatal(absl::ResourceExhaustedError(absl::StrCat(
        options.listen, ": out of file descriptors or memory for ",
        absl::FormatDuration(options.exhaustion_limit), ": cannot accept peer connections")));
    return;
  }
  // Shed the connection that is waiting, so that its client is not left
  // hanging in the backlog: the reserve descriptor makes room to accept it.
  if (listener >= 0 && reserve >= 0) {
    close(reserve);
    reserve = -1;
    int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) close(fd);
  }
  if (reserve < 0) reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
  PauseAccepting(now);
}

void ConnectionGate::Impl::AcceptFrom(int listener, absl::Time now) {
  for (int i = 0; i < 64; ++i) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int fd =
        accept4(listener, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) return;
      if (err == EINTR || OneConnectionFailed(err)) continue;
      if (OutOfResources(err)) {
        Exhausted(listener, now);
        return;
      }
      Fatal(absl::InternalError(
          absl::StrCat(options.listen, ": accepting peer connections failed: ", ErrnoText(err))));
      return;
    }
    Admit(fd, addr, now);
    if (accepting_paused || fatal) return;
  }
}

int ConnectionGate::Impl::Holding(const std::string& source) const {
  auto it = per_source.find(source);
  return it == per_source.end() ? 0 : it->second;
}

bool ConnectionGate::Impl::MakeRoom(const std::string& source) {
  const bool source_full = Holding(source) >= options.max_per_source;
  const bool all_full = static_cast<int>(conns.size()) >= options.max_connections;
  if (!source_full && !all_full) return true;
  // The oldest connection still in its handshake: of `source` when that
  // source is at its cap, else of the source holding the most connections.
  const Conn* victim = nullptr;
  int victim_weight = -1;
  for (const auto& [id, c] : conns) {
    if (c->established) continue;
    if (source_full) {
      if (c->source != source) continue;
      victim = c.get();
      break;  // oldest first
    }
    const int weight = Holding(c->source);
    if (weight > victim_weight) {
      victim = c.get();
      victim_weight = weight;
    }
  }
  if (victim == nullptr) return false;
  Count([](GateStats& s) { ++s.evicted; });
  Close(victim->id);
  return !all_full || static_cast<int>(conns.size()) < options.max_connections;
}

void ConnectionGate::Impl::Admit(int fd, const sockaddr_storage& addr, absl::Time now) {
  const std::string source = SourceOf(addr);
  if (!MakeRoom(source)) {
    Count([](GateStats& s) { ++s.refused; });
    close(fd);
    return;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto conn = std::make_unique<Conn>(next_id++, options.buffer_bytes);
  conn->client = fd;
  conn->source = source;
  conn->opened = conn->last_active = now;
  Conn& c = *conn;
  conns.emplace(c.id, std::move(conn));
  ++per_source[source];
  if (exhausted_since != absl::InfiniteFuture()) {
    exhausted_since = absl::InfiniteFuture();
    backoff = kFirstBackoff;
    options.on_recovered();
  }
  Count([](GateStats& s) {
    ++s.accepted;
    ++s.open;
  });
  if (!Update(c)) Close(c.id);
}

// Connects `c` to the server, once its client has said something: a socket
// that stays silent never reaches the server. False: it cannot.
bool ConnectionGate::Impl::ConnectServer(Conn& c, absl::Time now) {
  int server = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (server < 0) {
    if (OutOfResources(errno)) {
      Exhausted(-1, now);
    } else {
      Count([](GateStats& s) { ++s.refused; });
    }
    return false;
  }
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::strncpy(sun.sun_path, options.backend.c_str(), sizeof sun.sun_path - 1);
  if (connect(server, reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0 && errno != EINPROGRESS) {
    // EAGAIN: the server's backlog is full; ECONNREFUSED: it is gone.
    Count([](GateStats& s) { ++s.refused; });
    close(server);
    return false;
  }
  c.server = server;
  return true;
}

// Reads what one side sent into the buffer towards the other. False: the
// connection is over.
bool ConnectionGate::Impl::ReadSide(Conn& c, Side side, absl::Time now) {
  const bool from_client = side == Side::kClient;
  Buffer& into = from_client ? c.up : c.down;
  if ((from_client ? c.client_eof : c.server_eof) || into.space() == 0) return true;
  size_t room = 0;
  char* tail = into.Tail(&room);
  ssize_t n;
  do {
    n = recv(from_client ? c.client : c.server, tail, room, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
  if (n == 0) {
    (from_client ? c.client_eof : c.server_eof) = true;
    return true;
  }
  into.Grew(static_cast<size_t>(n));
  c.last_active = now;
  if (c.server < 0 && !ConnectServer(c, now)) return false;
  const int speaker = static_cast<int>(side);
  if (speaker != c.last_speaker) {
    c.last_speaker = speaker;
    if (++c.turns >= kTurnsToEstablish && !c.established) {
      c.established = true;
      Count([](GateStats& s) { ++s.established; });
    }
  }
  return true;
}

// Writes what is buffered towards `side`. False: the connection is over.
bool ConnectionGate::Impl::Flush(Conn& c, Side side) {
  const bool to_client = side == Side::kClient;
  Buffer& from = to_client ? c.down : c.up;
  while (!from.empty()) {
    ssize_t n = send(to_client ? c.client : c.server, from.Head(), from.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    from.Drop(static_cast<size_t>(n));
  }
  return true;
}

// Propagates end of stream and sets what each socket waits for. False: the
// connection is over.
bool ConnectionGate::Impl::Update(Conn& c) {
  if (c.server < 0) {
    // Not connected yet: wait for the client's first bytes.
    if (c.client_eof) return false;
    if (!c.client_registered) {
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP;
      ev.data.u64 = c.id * 2;
      epoll_ctl(epoll, EPOLL_CTL_ADD, c.client, &ev);
      c.client_events = ev.events;
      c.client_registered = true;
    }
    return true;
  }
  if (c.client_eof && c.up.empty() && !c.server_shut) {
    shutdown(c.server, SHUT_WR);
    c.server_shut = true;
  }
  // The server closing ends the connection once its last bytes are out.
  if (c.server_eof && c.down.empty()) return false;
  if (c.client_eof && c.server_eof) return false;
  const auto want = [](bool read, bool write) -> uint32_t {
    return (read ? EPOLLIN | EPOLLRDHUP : 0u) | (write ? EPOLLOUT : 0u);
  };
  // A socket with nothing to wait for stays registered with no events, so
  // that errors and hang-ups are still reported.
  const auto set = [this, &c](int fd, Side side, uint32_t events, uint32_t& had, bool& registered) {
    if (registered && had == events) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = c.id * 2 + static_cast<uint64_t>(side);
    epoll_ctl(epoll, registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
    had = events;
    registered = true;
  };
  set(c.client, Side::kClient, want(!c.client_eof && c.up.space() > 0, !c.down.empty()),
      c.client_events, c.client_registered);
  if (!c.server_gone) {
    set(c.server, Side::kServer, want(!c.server_eof && c.down.space() > 0, !c.up.empty()),
        c.server_events, c.server_registered);
  }
  return true;
}

void ConnectionGate::Impl::OnEvent(Conn& c, Side side, uint32_t events, absl::Time now) {
  const Side other = side == Side::kClient ? Side::kServer : Side::kClient;
  bool alive = (events & EPOLLERR) == 0;
  if (alive && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))) alive = ReadSide(c, side, now);
  // Relay at once what was read; then drain what waits for this side.
  if (alive) alive = Flush(c, other);
  if (alive && (events & EPOLLOUT)) alive = Flush(c, side);
  // A hang-up: that side neither sends nor takes anything more. What the
  // server sent last still goes out to the client.
  if (alive && (events & EPOLLHUP)) {
    if (side == Side::kClient) {
      alive = false;
    } else {
      c.server_eof = c.server_gone = true;
      epoll_ctl(epoll, EPOLL_CTL_DEL, c.server, nullptr);
    }
  }
  if (!alive || !Update(c)) Close(c.id);
}

void ConnectionGate::Impl::Close(uint64_t id) {
  auto it = conns.find(id);
  if (it == conns.end()) return;
  Conn& c = *it->second;
  epoll_ctl(epoll, EPOLL_CTL_DEL, c.client, nullptr);
  close(c.client);
  if (c.server >= 0) {
    epoll_ctl(epoll, EPOLL_CTL_DEL, c.server, nullptr);
    close(c.server);
  }
  if (--per_source[c.source] <= 0) per_source.erase(c.source);
  const bool established = c.established;
  conns.erase(it);
  Count([established](GateStats& s) {
    --s.open;
    if (established) --s.established;
  });
}

void ConnectionGate::Impl::Sweep(absl::Time now) {
  std::vector<uint64_t> handshake, idle;
  for (const auto& [id, c] : conns) {
    if (!c->established && now - c->opened > options.handshake_timeout) {
      handshake.push_back(id);
    } else if (now - c->last_active > options.idle_timeout) {
      idle.push_back(id);
    }
  }
  if (handshake.empty() && idle.empty()) return;
  Count([&](GateStats& s) {  // counted first: a client that sees the close sees the count
    s.handshake_timeouts += handshake.size();
    s.idle_timeouts += idle.size();
  });
  for (uint64_t id : handshake) Close(id);
  for (uint64_t id : idle) Close(id);
}

void ConnectionGate::Impl::Run() {
  std::vector<epoll_event> events(256);
  absl::Time next_sweep = absl::Now() + kSweepEvery;
  for (;;) {
    {
      absl::MutexLock lock(&mu);
      if (stop) break;
      if (stop_accepting && !listeners_closed) {
        mu.Unlock();
        CloseListeners();
        mu.Lock();
      }
    }
    const int n = epoll_wait(epoll, events.data(), static_cast<int>(events.size()),
                             static_cast<int>(absl::ToInt64Milliseconds(kSweepEvery)));
    if (n < 0 && errno != EINTR) {
      Fatal(absl::InternalError(absl::StrCat("connection gate: epoll_wait: ", ErrnoText(errno))));
      break;
    }
    const absl::Time now = absl::Now();
    for (int i = 0; i < n; ++i) {
      const uint64_t tag = events[i].data.u64;
      if (tag == kWakeTag) {
        uint64_t drained;
        (void)!read(wake, &drained, sizeof drained);
      } else if (tag >= kListenerTagBase) {
        const size_t index = tag - kListenerTagBase;
        if (!accepting_paused && index < listeners.size()) AcceptFrom(listeners[index], now);
      } else {
        auto it = conns.find(tag / 2);
        if (it == conns.end()) continue;  // closed earlier in this batch
        OnEvent(*it->second, tag % 2 == 0 ? Side::kClient : Side::kServer, events[i].events, now);
      }
    }
    if (accepting_paused && !fatal && now >= resume_at && !listeners.empty()) {
      accepting_paused = false;
      SetListening(true);
    }
    if (now >= next_sweep) {
      Sweep(now);
      next_sweep = now + kSweepEvery;
    }
  }
}

ConnectionGate::ConnectionGate(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ConnectionGate::~ConnectionGate() { Stop(); }

absl::StatusOr<std::unique_ptr<ConnectionGate>> ConnectionGate::Start(GateOptions options) {
  if (options.backend.empty() || options.backend.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat(options.backend,
                                                   ": not a usable unix socket path (at most ",
                                                   sizeof(sockaddr_un{}.sun_path) - 1, " bytes)"));
  }
  options.max_connections = std::max(1, options.max_connections);
  options.max_per_source = std::clamp(options.max_per_source, 1, options.max_connections);
  auto impl = std::make_unique<Impl>(std::move(options));
  const auto fail = [&impl](absl::Status s) {
    for (int fd : impl->listeners) close(fd);
    for (int fd : {impl->epoll, impl->wake, impl->reserve}) {
      if (fd >= 0) close(fd);
    }
    impl->stopped = true;
    return s;
  };
  auto listeners = Listen(impl->options.listen, &impl->port);
  if (!listeners.ok()) return fail(listeners.status());
  impl->listeners = *std::move(listeners);
  impl->epoll = epoll_create1(EPOLL_CLOEXEC);
  impl->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  impl->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (impl->epoll < 0 || impl->wake < 0 || impl->reserve < 0) {
    return fail(
        absl::UnavailableError(absl::StrCat("connection gate: cannot start: ", ErrnoText(errno))));
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeTag;
  epoll_ctl(impl->epoll, EPOLL_CTL_ADD, impl->wake, &ev);
  impl->SetListening(true);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<ConnectionGate>(new ConnectionGate(std::move(impl)));
}

int ConnectionGate::port() const { return impl_->port; }

GateStats ConnectionGate::stats() const {
  absl::MutexLock lock(&impl_->mu);
  return impl_->stats;
}

void ConnectionGate::StopAccepting() {
  if (impl_->stopped) return;
  absl::MutexLock lock(&impl_->mu);
  impl_->stop_accepting = true;
  impl_->Wake();
  impl_->mu.Await(absl::Condition(&impl_->listeners_closed));
}

void ConnectionGate::Stop() {
  if (impl_ == nullptr || impl_->stopped) return;
  impl_->stopped = true;
  {
    absl::MutexLock lock(&impl_->mu);
    impl_->stop = true;
  }
  impl_->Wake();
  impl_->thread.join();
  while (!impl_->conns.empty()) impl_->Close(impl_->conns.begin()->first);
  for (int fd : impl_->listeners) close(fd);
  impl_->listeners.clear();
  for (int fd : {impl_->epoll, impl_->wake, impl_->reserve}) {
    if (fd >= 0) close(fd);
  }
}

absl::StatusOr<uint64_t> RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError(absl::StrCat("getrlimit(RLIMIT_NOFILE): ", ErrnoText(errno)));
  }
  if (limit.rlim_cur < limit.rlim_max) {
    const rlim_t before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return static_cast<uint64_t>(before);
  }
  return static_cast<uint64_t>(limit.rlim_cur);
}

int ConnectionCapFor(int wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::max(1, wanted);
  const uint64_t soft = limit.rlim_cur;
  const uint64_t reserve = std::max<uint64_t>(kReserveDescriptors, soft / 4);
  const uint64_t fits = soft > reserve ? (soft - reserve) / 4 : 0;
  return static_cast<int>(
      std::clamp<uint64_t>(fits, 1, static_cast<uint64_t>(std::max(1, wanted))));
}

}  // namespace fedlink::net
