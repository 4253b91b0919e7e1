// Telling systemd how the service is (sd_notify(3), libsystemd): READY=1
// once peers can connect, STATUS= lines an operator sees in `systemctl
// status`, STOPPING=1, and WATCHDOG=1 pings when the unit sets WatchdogSec=.
// Outside systemd (no $NOTIFY_SOCKET) every call does nothing.
#ifndef FEDLINK_NODE_SERVER_SYSTEMD_NOTIFY_H_
#define FEDLINK_NODE_SERVER_SYSTEMD_NOTIFY_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fedlink::server {

void NotifyReady(absl::string_view status);
void NotifyStatus(absl::string_view status);
void NotifyStopping(absl::string_view status);
// Pings the watchdog; cheap (one datagram).
void NotifyWatchdog();
// The watchdog's timeout if the unit set WatchdogSec= for this process.
std::optional<absl::Duration> WatchdogTimeout();

}  // namespace fedlink::server

#endif  // FEDLINK_NODE_SERVER_SYSTEMD_NOTIFY_H_
