// The node's peer-facing gRPC server: the Federation service on the
// config's listen address, over roster-pinned mutual TLS only. It reloads
// the roster when roster.bin changes, so a removed member is refused as soon
// as the new roster is installed. Once the installed roster cannot be used
// (it expired, or roster.bin was replaced by a corrupt or older one) every
// request is refused, saying so, until a valid one is installed. Narrow
// header: no grpcpp.
//
// The listen address is served by a connection gate (node/net/
// connection_gate.h) that relays each connection to the gRPC server on the
// node directory's private socket, peer.sock: the gate caps connections,
// closes those that do not finish their handshake or go idle, and recovers
// from running out of file descriptors. The gRPC server bounds what each
// connection may do (PeerLimits); calls that wait on their peer too long are
// ended (call_watchdog.h). docs/security.md lists the limits.
#ifndef FEDLINK_NODE_FEDERATION_PEER_SERVER_H_
#define FEDLINK_NODE_FEDERATION_PEER_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/common/clock.h"
#include "node/config/node_dir.h"
#include "node/federation/peer_service.h"
#include "node/net/connection_gate.h"

namespace fedlink::federation {

// What one peer, or everyone together, may hold of the server.
struct PeerLimits {
  // Connections at once (lowered to fit the open-file limit:
  // net::ConnectionCapFor), and from one source address.
  int max_connections = net::kDefaultMaxConnections;
  int max_per_source = net::kDefaultMaxConnections / 4;
  // A connection must finish its TLS handshake within this.
  absl::Duration handshake_timeout = absl::Seconds(10);
  // A connection that carries no byte for this is closed (the gate).
  absl::Duration idle_timeout = absl::Minutes(15);
  // A connection with no call for this is closed by gRPC (GOAWAY).
  absl::Duration connection_idle = absl::Minutes(5);
  int max_streams_per_connection = 16;
  // A stream that waits on its peer this long is ended (call_watchdog.h),
  // and none lives longer than max_stream_age.
  absl::Duration stream_idle = absl::Minutes(1);
  absl::Duration max_stream_age = absl::Hours(3);
  // Threads serving calls at once (more are refused RESOURCE_EXHAUSTED), and
  // the memory gRPC may hold for the server's connections and calls.
  int max_threads = 128;
  int64_t memory_bytes = int64_t{256} << 20;
  // How often the server checks that it still accepts connections on
  // peer.sock (and at once after the gate ran out of descriptors).
  absl::Duration probe_interval = absl::Seconds(30);
};

struct PeerServerOptions {
  common::Clock* clock = nullptr;            // default: real clock
  absl::Duration skew = absl::Minutes(5);    // request freshness window
  std::string listen;                        // default: the node's config
  std::vector<PeerServiceFactory> services;  // extra services (Match, ...)
  PeerLimits limits;
  // Called once, from a background thread, if the server can no longer
  // accept peers (the gate gave up, or peer.sock stopped answering): the
  // process should exit so that its supervisor restarts it.
  std::function<void(const absl::Status&)> on_fatal = [](const absl::Status&) {};
};

class PeerServer {
 public:
  // Needs tls.key/tls.crt and a usable installed roster (FailedPrecondition
  // otherwise, marked with its RosterProblem). `node` must outlive the
  // server.
  static absl::StatusOr<std::unique_ptr<PeerServer>> Start(const config::OpenedNode& node,
                                                           const PeerServerOptions& options);
  PeerServer(const PeerServer&) = delete;
  PeerServer& operator=(const PeerServer&) = delete;
  ~PeerServer();
  void Shutdown(absl::Duration grace);
  int port() const;
  // The connection cap in force (PeerLimits::max_connections, or less).
  int max_connections() const;
  net::GateStats gate_stats() const;

  struct Impl;

 private:
  explicit PeerServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fedlink::federation

#endif  // FEDLINK_NODE_FEDERATION_PEER_SERVER_H_
