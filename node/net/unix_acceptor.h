// An accept loop on a unix socket that hands each accepted connection to a
// callback (the admin server gives them to gRPC), so that no listener of the
// node's depends on gRPC's own accept loop, which in gRPC 1.51 stops for good
// after a single EMFILE. Like the connection gate (connection_gate.h), it
// sheds the waiting connection when descriptors run out, backs off and
// recovers once they are free; if accepting keeps failing for
// `exhaustion_limit` or fails for a reason that cannot pass, it stops and
// calls `on_fatal`.
//
// The socket is created with mode 0600 (a stale one from a crashed server is
// removed first: the caller holds the directory's serve lock) and removed by
// Stop.
//
// Thread-safety: Start and Stop from any thread; the callbacks run on the
// acceptor's own thread.
#ifndef FEDLINK_NODE_NET_UNIX_ACCEPTOR_H_
#define FEDLINK_NODE_NET_UNIX_ACCEPTOR_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fedlink::net {

struct AcceptorOptions {
  std::string path;
  // Takes ownership of each accepted, connected socket (non-blocking).
  std::function<void(int fd)> on_connection = [](int) {};
  absl::Duration exhaustion_limit = absl::Minutes(1);
  std::function<void(const absl::Status&)> on_fatal = [](const absl::Status&) {};
};

class UnixAcceptor {
 public:
  static absl::StatusOr<std::unique_ptr<UnixAcceptor>> Start(AcceptorOptions options);
  ~UnixAcceptor();  // Stop()
  UnixAcceptor(const UnixAcceptor&) = delete;
  UnixAcceptor& operator=(const UnixAcceptor&) = delete;

  // Stops accepting, joins the thread and removes the socket. Idempotent.
  void Stop();
  // Accepts that failed for lack of descriptors or memory, so far.
  uint64_t exhausted() const;

  struct Impl;

 private:
  explicit UnixAcceptor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fedlink::net

#endif  // FEDLINK_NODE_NET_UNIX_ACCEPTOR_H_
