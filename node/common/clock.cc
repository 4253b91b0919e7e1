#include "node/common/clock.h"

namespace fedlink::common {
namespace {

class RealClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

Clock* Clock::Real() {
  static auto* clock = new RealClock();
  return clock;
}

}  // namespace fedlink::common
