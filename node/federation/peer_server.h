// The node's peer-facing gRPC server: the Federation service on the
// config's listen address, over roster-pinned mutual TLS only. It reloads
// the roster when roster.bin changes, so a removed member is refused as soon
// as the new roster is installed. Once the installed roster cannot be used
// (it expired, or roster.bin was replaced by a corrupt or older one) every
// request is refused, saying so, until a valid one is installed. Narrow
// header: no grpcpp.
#ifndef FEDLINK_NODE_FEDERATION_PEER_SERVER_H_
#define FEDLINK_NODE_FEDERATION_PEER_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/common/clock.h"
#include "node/config/node_dir.h"
#include "node/federation/peer_service.h"

namespace fedlink::federation {

struct PeerServerOptions {
  common::Clock* clock = nullptr;            // default: real clock
  absl::Duration skew = absl::Minutes(5);    // request freshness window
  std::string listen;                        // default: the node's config
  std::vector<PeerServiceFactory> services;  // extra services (Match, ...)
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

  struct Impl;

 private:
  explicit PeerServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fedlink::federation

#endif  // FEDLINK_NODE_FEDERATION_PEER_SERVER_H_
