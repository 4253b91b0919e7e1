// Has the node's peers witness (cosign) its access-log checkpoint every
// interval, from a thread of its own, until destroyed.
#ifndef FEDLINK_NODE_APP_PERIODIC_WITNESSING_H_
#define FEDLINK_NODE_APP_PERIODIC_WITNESSING_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/audit/audit_log.h"
#include "node/config/node_dir.h"

namespace fedlink::app {

class PeriodicWitnessing {
 public:
  // `node` and `log` outlive this. A zero or negative interval never runs.
  // `on_problem` hears of rounds that failed and peers that did not cosign.
  PeriodicWitnessing(const config::OpenedNode& node, audit::AuditLog* log, absl::Duration interval,
                     std::function<void(const std::string&)> on_problem);
  ~PeriodicWitnessing();
  PeriodicWitnessing(const PeriodicWitnessing&) = delete;
  PeriodicWitnessing& operator=(const PeriodicWitnessing&) = delete;

 private:
  void Run();
  void Round();

  const config::OpenedNode& node_;
  audit::AuditLog* log_;
  const absl::Duration interval_;
  std::function<void(const std::string&)> on_problem_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_PERIODIC_WITNESSING_H_
