#include "node/server/systemd_notify.h"

#include <systemd/sd-daemon.h>

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "node/common/safe_text.h"

namespace fedlink::server {
namespace {

// One line: a STATUS= value must not carry a newline (it would start
// another assignment).
std::string StatusLine(absl::string_view status) {
  return absl::StrCat("STATUS=", common::EscapeForDisplay(status));
}

}  // namespace

void NotifyReady(absl::string_view status) {
  sd_notify(0, absl::StrCat("READY=1\n", StatusLine(status)).c_str());
}

void NotifyStatus(absl::string_view status) { sd_notify(0, StatusLine(status).c_str()); }

void NotifyStopping(absl::string_view status) {
  sd_notify(0, absl::StrCat("STOPPING=1\n", StatusLine(status)).c_str());
}

void NotifyWatchdog() { sd_notify(0, "WATCHDOG=1"); }

std::optional<absl::Duration> WatchdogTimeout() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return absl::Microseconds(static_cast<int64_t>(usec));
}

}  // namespace fedlink::server
