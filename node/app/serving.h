// A node serving: the admin and health services on its local socket and,
// with a usable installed roster, the peer services (Match, Followup,
// Witness, Audit) over roster-pinned mutual TLS, with periodic witnessing of
// its log. A node started without one opens its peer port as soon as one is
// installed; `fedlink status` says why peers are not served (the roster is
// missing, corrupt, expired or rolled back). `fedlink serve` runs one until a
// signal; tests run one in-process.
//
//   ASSIGN_OR_RETURN(auto serving, app::ServingNode::Start(*node, {}));
//   ... wait; on SIGHUP: serving->CheckRoster(); serving->ReloadPolicy() ...
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
#include "node/common/metrics.h"
#include "node/federation/peer_server.h"
#include "node/server/node_status.h"

namespace fedlink::app {

struct ServeOptions {
  // How often peers are asked to witness the log's checkpoint; 0 = never.
  absl::Duration witness_interval = absl::Minutes(5);
  // How often the node looks at its installed roster, to open the peer port
  // once a usable one is installed (`fedlink roster install`) and to notice
  // when it no longer is; 0 = only when asked (CheckRoster, on SIGHUP).
  absl::Duration roster_check_interval = absl::Seconds(1);
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
  // Hears each change of whether and how peers are served (the port opened,
  // a new roster version, the roster expired). Called from Start, from
  // CheckRoster and from a background thread.
  std::function<void(const server::PeerService&)> on_peers = [](const server::PeerService&) {};
  // How often the open access log is verified again (its entries against
  // its signed checkpoints, as `fedlink audit verify` does; appends wait
  // meanwhile) and the record store asked to answer; 0 = only at the start.
  // The roster's expiry is looked at every roster_check_interval.
  absl::Duration health_check_interval = absl::Minutes(10);
  // Hears each change of the node's health (node_health.h): NOT_SERVING and
  // why, or a warning (the roster expires within 7 days). Called from
  // Start, CheckRoster, CheckHealth and background threads.
  std::function<void(const server::NodeHealth&)> on_health = [](const server::NodeHealth&) {};
  // Called after each periodic roster check, from the checking thread: a
  // supervisor's watchdog fed from here restarts a node whose checks stall.
  std::function<void()> on_heartbeat = [] {};
  // HOST:PORT (numeric host) for the Prometheus metrics endpoint, GET
  // /metrics (node/server/metrics_endpoint.h); empty = none. Start fails if
  // it cannot be bound.
  std::string metrics_listen;
};

class ServingNode {
 public:
  // Takes the directory's serve lock, verifies the access log (a log whose
  // entries no longer match its signed checkpoints stops the node: nothing is
  // served), logs node.start and starts the admin and health services.
  // Peers are served only with a usable installed roster (without one there
  // is nobody to trust): at once if there is one (an error if the peer port
  // cannot be opened), otherwise from the first check that finds one.
  // Raises the process's soft limit on open files to its hard limit first.
  // `node` (opened with its identity) outlives the result.
  static absl::StatusOr<std::unique_ptr<ServingNode>> Start(Node& node,
                                                            const ServeOptions& options);
  ~ServingNode();  // Stop()
  ServingNode(const ServingNode&) = delete;
  ServingNode& operator=(const ServingNode&) = delete;

  std::string admin_target() const;
  // The metrics endpoint's port (0 without one).
  int metrics_port() const;
  // Whether the peer port is open (requests may still be refused: peers()).
  bool serves_peers() const;
  // The limit on open files in force, and the peer connection cap that fits
  // it (0 when not serving peers).
  uint64_t open_file_limit() const { return open_file_limit_; }
  int max_peer_connections() const;
  // Whether peers are served and, if not, why, as of the last check.
  server::PeerService peers() const;
  // Looks at the installed roster now (SIGHUP; also every
  // roster_check_interval): opens the peer port if the roster is usable and
  // the port is not open yet, and returns (and reports to on_peers, if it
  // changed) whether peers are served: "serving", "not served" (port closed)
  // or "refused" (port open, the roster no longer usable: every request is
  // refused, saying so), with the roster's problem and its error.
  server::PeerService CheckRoster();
  // Re-reads the sharing policy now (it is also re-read when the file
  // changes) and logs policy.reload. A policy that does not parse is not
  // applied: the last good one stays in force and the error is returned.
  absl::Status ReloadPolicy();
  // Verifies the open access log and asks the record store now (also every
  // health_check_interval) and returns the node's health, which the admin
  // socket's grpc.health.v1 service and Admin.Status report. A log that
  // failed verification stays failed until the node restarts (and then it
  // refuses to start).
  server::NodeHealth CheckHealth();
  server::NodeHealth health() const;
  // Stops witnessing, the peer and admin services (in-flight calls get
  // `grace`) and logs node.stop. Idempotent.
  void Stop(absl::Duration grace = absl::Seconds(5));

  struct Parts;

 private:
  explicit ServingNode(Node& node);
  absl::Status StartPeers();  // with Parts::mu held
  // Recomputes the health from the last checks; reports a change.
  server::NodeHealth UpdateHealth();
  // Sets the gauges read at scrape time (the metrics endpoint's collector).
  void CollectMetrics(common::Metrics& m);
  Node& node_;
  std::unique_ptr<Parts> parts_;
  bool stopped_ = false;
  uint64_t open_file_limit_ = 0;
};

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_SERVING_H_
