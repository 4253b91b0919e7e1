// Has the node's peers witness (cosign) its access-log checkpoint every
// interval, from a thread of its own, until destroyed.
#ifndef FEDLINK_NODE_APP_PERIODIC_WITNESSING_H_
#define FEDLINK_NODE_APP_PERIODIC_WITNESSING_H_

#include <functional>
#include <set>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/app/node.h"

namespace fedlink::app {

class PeriodicWitnessing {
 public:
  // `node` (opened with its identity) outlives this. A zero or negative
  // interval never runs. A round is skipped while the node has no usable
  // roster; `on_problem` hears of rounds that failed and peers that did not
  // cosign for another reason than being unreachable. A peer that cannot be
  // reached is logged once (peer.unreachable, common/logger.h) and again
  // when it answers (peer.back).
  PeriodicWitnessing(Node& node, absl::Duration interval,
                     std::function<void(const std::string&)> on_problem);
  ~PeriodicWitnessing();
  PeriodicWitnessing(const PeriodicWitnessing&) = delete;
  PeriodicWitnessing& operator=(const PeriodicWitnessing&) = delete;

 private:
  void Run();
  void Round();

  Node& node_;
  const absl::Duration interval_;
  std::function<void(const std::string&)> on_problem_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::set<std::string> unreachable_;  // only the round's thread uses it
  std::thread thread_;
};

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_PERIODIC_WITNESSING_H_
