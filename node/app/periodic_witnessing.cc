#include "node/app/periodic_witnessing.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/audit/witness_round.h"
#include "node/federation/roster.h"

namespace fedlink::app {

PeriodicWitnessing::PeriodicWitnessing(const config::OpenedNode& node, audit::AuditLog* log,
                                       absl::Duration interval,
                                       std::function<void(const std::string&)> on_problem)
    : node_(node), log_(log), interval_(interval), on_problem_(std::move(on_problem)) {
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
  auto roster = federation::LoadInstalledRoster(node_.paths, absl::Now());
  auto tls = tls::Load(node_.paths.dir);
  if (!roster.ok() || !tls.ok()) return;
  federation::Self self;
  self.node_id = node_.config.node_id;
  self.identity = node_.identity.get();
  self.tls = *tls;
  std::vector<federation::Member> peers;
  for (const auto& m : roster->members()) {
    if (m.node_id != self.node_id) peers.push_back(m);
  }
  auto results = audit::WitnessRound(self, peers, *log_);
  if (!results.ok()) {
    on_problem_(absl::StrCat("witnessing: ", results.status().message()));
    return;
  }
  for (const auto& r : *results) {
    if (!r.status.ok()) {
      on_problem_(absl::StrCat("witnessing: ", r.peer, " did not cosign: ", r.status.message()));
    }
  }
}

}  // namespace fedlink::app
