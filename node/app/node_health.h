// What a serving node's health check says, from what the node last found:
// NOT_SERVING when the installed roster has expired, the access log failed
// verification or the record store is unusable; a warning from 7 days
// before the roster expires. A missing, corrupt or rolled-back roster is not
// a health problem of the node (it serves its admin socket; `peers:` in
// `fedlink status` says why peers are not served). Pure: no I/O, no clock.
//
//   server::NodeHealth h = AssessHealth({.now = absl::Now(), .roster = ...});
#ifndef FEDLINK_NODE_APP_NODE_HEALTH_H_
#define FEDLINK_NODE_APP_NODE_HEALTH_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "node/server/node_status.h"

namespace fedlink::app {

// How long before its expiry a roster is warned about.
inline constexpr absl::Duration kRosterExpiryWarning = absl::Hours(24 * 7);

struct HealthInputs {
  absl::Time now;
  // The installed roster's version and expiry, or why it cannot be used
  // (marked with its federation::RosterProblem).
  struct RosterState {
    uint64_t version = 0;
    absl::Time expires_at;
  };
  absl::StatusOr<RosterState> roster = absl::NotFoundError("no roster installed");
  // The last verification of the open access log, and the last check that
  // the record store answers.
  absl::Status audit_log = absl::OkStatus();
  absl::Status store = absl::OkStatus();
};

server::NodeHealth AssessHealth(const HealthInputs& in);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_NODE_HEALTH_H_
