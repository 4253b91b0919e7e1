#include "node/app/periodic_witnessing.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/app/audit.h"
#include "node/common/logger.h"

namespace fedlink::app {

PeriodicWitnessing::PeriodicWitnessing(Node& node, absl::Duration interval,
                                       std::function<void(const std::string&)> on_problem)
    : node_(node), interval_(interval), on_problem_(std::move(on_problem)) {
  if (interval_ > absl::ZeroDuration()) thread_ = std::thread([this] { Run(); });
}

PeriodicWitnessing::~PeriodicWitnessing() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void PeriodicWitnessing::Run() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stop_), interval_)) return;
    }
    Round();
  }
}

void PeriodicWitnessing::Round() {
  if (!node_.Self({}).ok()) return;  // no usable roster (yet, or any more)
  auto results = WitnessNow(node_);
  if (!results.ok()) {
    on_problem_(absl::StrCat("witnessing: ", results.status().message()));
    return;
  }
  for (const auto& r : *results) {
    const bool unreachable = absl::IsUnavailable(r.status) || absl::IsDeadlineExceeded(r.status);
    if (unreachable) {
      if (unreachable_.insert(r.peer).second) {
        common::Log(common::LogLevel::kWarning, "witnessing", "peer.unreachable",
                    {{"peer", r.peer}, {"error", r.status.message()}});
      }
      continue;
    }
    if (unreachable_.erase(r.peer) > 0) {
      common::Log(common::LogLevel::kInfo, "witnessing", "peer.back", {{"peer", r.peer}});
    }
    if (!r.status.ok()) {
      on_problem_(absl::StrCat("witnessing: ", r.peer, " did not cosign: ", r.status.message()));
    }
  }
}

}  // namespace fedlink::app
