// The connection gate in front of the node's peer port: our own accept loop
// on the configured TCP address, which relays each connection's bytes to a
// server listening on a private unix socket (the gRPC peer server). TLS
// stays end to end between the peers: the gate only copies bytes, in bounded
// buffers, and never sees a key or a plaintext byte.
//
// What it guarantees, whatever a network client does:
//   - at most `max_connections` connections at once, and at most
//     `max_per_source` from one source (an IPv4 address, an IPv6 /64);
//   - a new connection over either cap evicts the oldest connection that has
//     not finished its handshake, preferring the source holding the most
//     connections; if every connection is established the newcomer is closed.
//     So idle or half-open sockets never keep a member out;
//   - a connection that has not finished its handshake after
//     `handshake_timeout`, or that carries no byte for `idle_timeout`, is
//     closed;
//   - memory: at most 2 * `buffer_bytes` per connection;
//   - running out of descriptors (EMFILE, ENFILE) or kernel memory makes the
//     gate shed the pending connection (a descriptor kept in reserve lets it
//     accept and close it), back off and retry: it recovers by itself once
//     descriptors are free again. If accepting keeps failing for
//     `exhaustion_limit`, or fails for a reason that cannot pass (the
//     listening socket broke), the gate stops accepting and calls `on_fatal`:
//     the node must exit so that its supervisor restarts it.
//
// "Established" is judged from the traffic, not from TLS (which the gate
// cannot read): a connection is established once the server has spoken
// after the client's second flight (client hello, server flight, client
// flight, server answer), which in TLS 1.2 and 1.3 happens only once the
// server accepted the client's certificate (or sent an alert and closed).
// The gRPC server's own handshake timeout backs this up.
//
// Thread-safety: Start, stats, port, StopAccepting and Stop may be called
// from any thread; the callbacks run on the gate's own thread.
//
//   ASSIGN_OR_RETURN(auto gate, net::ConnectionGate::Start({.listen = "0.0.0.0:7443",
//                                                           .backend = "/srv/node/peer.sock"}));
//   ... gate->stats().open ...
//   gate->StopAccepting(); /* drain the server */ gate->Stop();
#ifndef FEDLINK_NODE_NET_CONNECTION_GATE_H_
#define FEDLINK_NODE_NET_CONNECTION_GATE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fedlink::net {

inline constexpr int kDefaultMaxConnections = 256;

struct GateOptions {
  std::string listen;   // HOST:PORT (TCP) as in node.conf; port 0 picks one
  std::string backend;  // path of the unix socket the server listens on
  int max_connections = kDefaultMaxConnections;
  int max_per_source = kDefaultMaxConnections / 4;
  absl::Duration handshake_timeout = absl::Seconds(10);
  absl::Duration idle_timeout = absl::Minutes(15);
  size_t buffer_bytes = 64 << 10;  // per connection and direction
  absl::Duration exhaustion_limit = absl::Minutes(1);
  // Called once if the gate gives up accepting (see above).
  std::function<void(const absl::Status&)> on_fatal = [](const absl::Status&) {};
  // Called when accepting works again after running out of descriptors.
  std::function<void()> on_recovered = [] {};
};

struct GateStats {
  uint64_t accepted = 0;            // connections relayed to the server
  uint64_t open = 0;                // now
  uint64_t established = 0;         // now
  uint64_t evicted = 0;             // closed to make room for a newer one
  uint64_t refused = 0;             // closed at once (caps full of established ones, server busy)
  uint64_t handshake_timeouts = 0;  // closed before finishing a handshake in time
  uint64_t idle_timeouts = 0;       // closed after carrying nothing for idle_timeout
  uint64_t exhausted = 0;           // accepts that failed for lack of descriptors or memory
  bool fatal = false;               // the gate gave up accepting
};

class ConnectionGate {
 public:
  // Listens on `options.listen` (every address the host name resolves to)
  // and starts the gate's thread. Unavailable if it cannot listen.
  static absl::StatusOr<std::unique_ptr<ConnectionGate>> Start(GateOptions options);
  ~ConnectionGate();  // Stop()
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;

  int port() const;
  GateStats stats() const;
  // Closes the listening sockets (new connections are refused by the
  // kernel); open connections are still relayed. Returns once closed.
  void StopAccepting();
  // Closes everything and joins the thread. Idempotent.
  void Stop();

  struct Impl;

 private:
  explicit ConnectionGate(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Raises this process's soft limit on open files (RLIMIT_NOFILE) to its
// hard limit, and returns the soft limit now in force.
absl::StatusOr<uint64_t> RaiseOpenFileLimit();

// The connection cap that fits the open-file limit in force: `wanted`, or
// less, so that the gated connections (three descriptors each: the client's,
// the relay's and the server's end) use at most a quarter of what is left
// once a reserve for the rest of the node (databases, outgoing channels,
// gRPC) is set aside. At least 1.
int ConnectionCapFor(int wanted);

}  // namespace fedlink::net

#endif  // FEDLINK_NODE_NET_CONNECTION_GATE_H_
