// The running node: gRPC services over the local admin socket (and, with
// the federation module, the peers' mTLS port). Narrow header: no grpcpp.
#ifndef FEDLINK_NODE_SERVER_NODE_SERVER_H_
#define FEDLINK_NODE_SERVER_NODE_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/common/clock.h"
#include "node/config/node_config.h"
#include "node/server/node_status.h"
#include "node/store/record_store.h"

namespace fedlink::server {

struct ServerOptions {
  common::NodePaths paths{""};
  config::NodeConfig config;
  store::RecordStore* store = nullptr;  // not owned; outlives the server
  common::Clock* clock = nullptr;       // defaults to Clock::Real()
  // Called (from a background thread) if the admin socket can no longer
  // accept connections: the process should exit so it is restarted.
  std::function<void(const absl::Status&)> on_fatal;
  // Whether the node serves its peers, for Admin.Status (null: it does not).
  std::function<PeerService()> peers;
  // How healthy the node is, for Admin.Status (null: healthy).
  std::function<NodeHealth()> health;
};

// Serves Admin and grpc.health.v1.Health on unix:DIR/admin.sock (the
// directory's 0700 mode is the access control: only the node's operator can
// reach it; the socket itself is 0600). Connections are accepted by our own
// loop (node/net/unix_acceptor.h), which recovers from running out of file
// descriptors. Thread-safe.
//
//   auto server = NodeServer::Start(options);
//   ... wait for a signal ...
//   (*server)->Shutdown(absl::Seconds(5));
class NodeServer {
 public:
  static absl::StatusOr<std::unique_ptr<NodeServer>> Start(const ServerOptions& options);
  NodeServer(const NodeServer&) = delete;
  NodeServer& operator=(const NodeServer&) = delete;
  ~NodeServer();

  // Stops accepting calls, lets in-flight calls finish until `grace`, then
  // cancels the rest. Idempotent.
  void Shutdown(absl::Duration grace);
  // What grpc.health.v1 answers: SERVING (the start) or NOT_SERVING.
  void SetServing(bool serving);
  std::string admin_target() const;

 private:
  struct Impl;
  explicit NodeServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fedlink::server

#endif  // FEDLINK_NODE_SERVER_NODE_SERVER_H_
