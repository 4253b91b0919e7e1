// A node serving: the admin and health services on its local socket and,
// with an installed roster, the peer services (Match, Followup, Witness,
// Audit) over roster-pinned mutual TLS, with periodic witnessing of its log.
// `fedlink serve` runs one until a signal; tests run one in-process.
//
//   ASSIGN_OR_RETURN(auto serving, app::ServingNode::Start(*node, {}));
//   ... wait; on SIGHUP: serving->ReloadPolicy() ...
//   serving->Stop();
#ifndef FEDLINK_NODE_APP_SERVING_H_
#define FEDLINK_NODE_APP_SERVING_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/app/node.h"
#include "node/federation/peer_server.h"

namespace fedlink::app {

struct ServeOptions {
  // How often peers are asked to witness the log's checkpoint; 0 = never.
  absl::Duration witness_interval = absl::Minutes(5);
  // Hears of problems while serving that do not stop the node (a peer that
  // did not cosign). Called from background threads.
  std::function<void(const std::string&)> on_problem = [](const std::string&) {};
  // Hears, once, that the node can no longer accept connections (on the
  // peer port or the admin socket) and will not recover by itself: the
  // caller should stop and exit non-zero, so that its supervisor restarts
  // it. Called from a background thread.
  std::function<void(const absl::Status&)> on_fatal = [](const absl::Status&) {};
  // Limits of the peer port; max_connections comes from node.conf
  // (max_peer_connections), lowered to fit the open-file limit.
  federation::PeerLimits peer_limits;
};

class ServingNode {
 public:
  // Takes the directory's serve lock, verifies the access log (a log whose
  // entries no longer match its signed checkpoints stops the node: nothing is
  // served), logs node.start and starts the services. Peers are served only
  // with an installed roster: without one there is nobody to trust. Raises
  // the process's soft limit on open files to its hard limit first.
  // `node` (opened with its identity) outlives the result.
  static absl::StatusOr<std::unique_ptr<ServingNode>> Start(Node& node,
                                                            const ServeOptions& options);
  ~ServingNode();  // Stop()
  ServingNode(const ServingNode&) = delete;
  ServingNode& operator=(const ServingNode&) = delete;

  std::string admin_target() const;
  bool serves_peers() const;
  // The limit on open files in force, and the peer connection cap that fits
  // it (0 when not serving peers).
  uint64_t open_file_limit() const { return open_file_limit_; }
  int max_peer_connections() const;
  // Re-reads the sharing policy now (it is also re-read when the file
  // changes) and logs policy.reload. A policy that does not parse is not
  // applied: the last good one stays in force and the error is returned.
  absl::Status ReloadPolicy();
  // Stops witnessing, the peer and admin services (in-flight calls get
  // `grace`) and logs node.stop. Idempotent.
  void Stop(absl::Duration grace = absl::Seconds(5));

  struct Parts;

 private:
  explicit ServingNode(Node& node);
  Node& node_;
  std::unique_ptr<Parts> parts_;
  bool stopped_ = false;
  uint64_t open_file_limit_ = 0;
};

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_SERVING_H_
