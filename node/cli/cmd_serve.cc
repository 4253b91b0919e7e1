// fedlink serve: run the node until SIGINT or SIGTERM, then stop gracefully
// (node/app/serving.h); SIGHUP looks at the installed roster (opening the
// peer port if it can), checks the node's health and re-reads the sharing
// policy. A node that can no longer accept connections stops and exits 1,
// for its supervisor to restart it. Everything it reports goes through the
// node's logger (node/common/logger.h), with gRPC's own lines routed in.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <mutex>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "node/app/serving.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"
#include "node/common/logger.h"
#include "node/server/grpc_logging.h"
#include "node/server/systemd_notify.h"
#include "node/web/web_server.h"

ABSL_FLAG(absl::Duration, witness_interval, absl::Minutes(5),
          "How often to have peers witness (cosign) this node's log checkpoint; 0 = never.");
ABSL_FLAG(std::string, log_format, "text",
          "Log lines on stderr as `text` (time level component event key=value ...) or `json`.");
ABSL_FLAG(std::string, metrics, "",
          "HOST:PORT (numeric host) to serve Prometheus metrics on, GET /metrics; off if empty.");
ABSL_FLAG(std::string, log_level, "info",
          "Least severe log lines written: debug, info, warning or error.");

ABSL_FLAG(std::string, web, "",
          "Serve the web console on HOST:PORT over HTTPS (or http://HOST:PORT, loopback only); "
          "empty = no console (docs/console.md).");
ABSL_FLAG(std::string, web_cert, "",
          "PEM certificate (chain) for the web console; default: the node's own tls.crt.");
ABSL_FLAG(std::string, web_key, "", "PEM private key of --web-cert (mode 0600).");
ABSL_FLAG(int, web_max_lookups, 0,
          "Intake lookups the web console runs at once (more wait their turn); 0 = half the "
          "cores, at least one.");
ABSL_FLAG(bool, web_trust_proxy, false,
          "With --web http://127.0.0.1:PORT behind a reverse proxy on this machine: key the "
          "login lockout by the proxy's X-Forwarded-For address.");

namespace fedlink::cli {
namespace {

using common::Log;
using common::LogLevel;

// The fatal error a background thread reported; SIGUSR1 wakes the main
// thread to act on it.
std::mutex fatal_mu;
absl::Status fatal_status;

// One event per change of whether peers are served.
void LogPeers(const server::PeerService& peers, absl::string_view trigger) {
  const std::string text = server::FormatPeerService(peers);
  if (peers.state == "serving") {
    Log(LogLevel::kInfo, "serve", "roster.installed",
        {{"peers", text}, {"tls", "mutual, roster-pinned"}, {"trigger", trigger}});
  } else if (peers.reason == "roster expired") {
    Log(LogLevel::kError, "serve", "roster.expired", {{"peers", text}, {"trigger", trigger}});
  } else {
    Log(LogLevel::kWarning, "serve", "peers.not_served", {{"peers", text}, {"trigger", trigger}});
  }
}

void LogHealth(const server::NodeHealth& health) {
  if (health.serving) {
    Log(LogLevel::kInfo, "serve", "health.serving");
  } else {
    for (const std::string& p : health.problems) {
      Log(LogLevel::kError, "serve", "health.not_serving", {{"problem", p}});
    }
  }
  for (const std::string& w : health.warnings) {
    Log(LogLevel::kWarning, "serve", "roster.expiring", {{"warning", w}});
  }
}

std::string HealthSummary(const server::NodeHealth& health) {
  std::string out = health.serving ? "health: SERVING" : "health: NOT_SERVING";
  for (const std::string& p : health.problems) out += "; " + p;
  for (const std::string& w : health.warnings) out += "; warning: " + w;
  return out;
}

int RunServe(const std::vector<std::string>& args) {
  auto format = common::ParseLogFormat(absl::GetFlag(FLAGS_log_format));
  if (!format.ok()) return ReportError("serve", format.status());
  auto level = common::ParseLogLevel(absl::GetFlag(FLAGS_log_level));
  if (!level.ok()) return ReportError("serve", level.status());
  if (absl::GetFlag(FLAGS_web_max_lookups) < 0) {
    return ReportError("serve", absl::InvalidArgumentError(
                                    "--web-max-lookups: 0 (half the cores, at least one) or more"));
  }
  common::ConfigureLog(*format, *level);
  server::RouteGrpcLogging();
  // Block the stop signals before any thread starts, so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  return WithNodeInDir("serve", [&](app::Node& node) {
    Log(LogLevel::kInfo, "serve", "node.start",
        {{"node", node.id()},
         {"pid", static_cast<int64_t>(getpid())},
         {"version", server::kFedlinkVersion}});
    app::ServeOptions options;
    options.witness_interval = absl::GetFlag(FLAGS_witness_interval);
    options.metrics_listen = absl::GetFlag(FLAGS_metrics);
    options.on_problem = [](const std::string& problem) {
      Log(LogLevel::kWarning, "serve", "witness.refused", {{"problem", problem}});
    };
    // Each change: the peer port opened, a new roster, the roster unusable.
    options.on_peers = [](const server::PeerService& peers) {
      LogPeers(peers, "change");
      server::NotifyStatus("peers: " + server::FormatPeerService(peers));
    };
    options.on_health = [](const server::NodeHealth& health) {
      LogHealth(health);
      server::NotifyStatus(HealthSummary(health));
    };
    // systemd's watchdog (WatchdogSec=) is fed by the roster checks.
    if (server::WatchdogTimeout().has_value()) options.on_heartbeat = server::NotifyWatchdog;
    options.on_fatal = [](const absl::Status& status) {
      {
        std::lock_guard<std::mutex> lock(fatal_mu);
        fatal_status = status;
      }
      kill(getpid(), SIGUSR1);
    };
    auto serving = app::ServingNode::Start(node, options);
    if (!serving.ok()) return ReportError("serve", serving.status());
    if ((*serving)->metrics_port() != 0) {
      Log(LogLevel::kInfo, "serve", "metrics.listening",
          {{"metrics", options.metrics_listen}, {"port", (*serving)->metrics_port()}});
    }
    std::unique_ptr<web::WebServer> console;
    if (const std::string web = absl::GetFlag(FLAGS_web); !web.empty()) {
      web::WebServerOptions web_options;
      web_options.address = web;
      web_options.cert_file = absl::GetFlag(FLAGS_web_cert);
      web_options.key_file = absl::GetFlag(FLAGS_web_key);
      web_options.trust_forwarded_for = absl::GetFlag(FLAGS_web_trust_proxy);
      web_options.console.max_concurrent_lookups = absl::GetFlag(FLAGS_web_max_lookups);
      auto started = web::WebServer::Start(node, web_options);
      if (!started.ok()) {
        (*serving)->Stop();
        return ReportError("serve", started.status());
      }
      console = *std::move(started);
      Log(LogLevel::kInfo, "serve", "console.listening",
          {{"url", console->url()}, {"max_lookups", console->max_concurrent_lookups()}});
    }
    if ((*serving)->serves_peers()) {
      Log(LogLevel::kInfo, "serve", "peers.capacity",
          {{"max_connections", (*serving)->max_peer_connections()},
           {"open_file_limit", (*serving)->open_file_limit()}});
    }
    Log(LogLevel::kInfo, "serve", "node.ready",
        {{"node", node.id()},
         {"admin", (*serving)->admin_target()},
         {"peers", server::FormatPeerService((*serving)->peers())},
         {"health", (*serving)->health().serving ? "SERVING" : "NOT_SERVING"}});
    // Ready: the admin socket answers and, with a usable roster, peers can
    // connect.
    server::NotifyReady(absl::StrCat("node ", node.id(),
                                     "; peers: ", server::FormatPeerService((*serving)->peers()),
                                     "; ", HealthSummary((*serving)->health())));
    int signal_number = 0;
    for (;;) {
      sigwait(&signals, &signal_number);
      if (signal_number == SIGUSR1) {
        std::lock_guard<std::mutex> lock(fatal_mu);
        if (fatal_status.ok()) continue;  // not ours
        Log(LogLevel::kError, "serve", "node.fatal",
            {{"error", fatal_status.message()},
             {"action", "stopping so that the node can be restarted"}});
        server::NotifyStopping(absl::StrCat("fatal: ", fatal_status.message()));
        console.reset();
        (*serving)->Stop();
        return kExitFailure;
      }
      if (signal_number != SIGHUP) break;
      server::NotifyStatus("reloading (SIGHUP)");
      LogPeers((*serving)->CheckRoster(), "SIGHUP");
      (*serving)->CheckHealth();  // logged through on_health if it changed
      server::NotifyStatus(absl::StrCat("peers: ", server::FormatPeerService((*serving)->peers()),
                                        "; ", HealthSummary((*serving)->health())));
      if (!(*serving)->serves_peers()) continue;
      if (const absl::Status s = (*serving)->ReloadPolicy(); s.ok()) {
        Log(LogLevel::kInfo, "serve", "policy.reloaded");
      } else {
        Log(LogLevel::kWarning, "serve", "policy.refused",
            {{"error", s.message()}, {"action", "keeping the last good policy"}});
      }
    }
    Log(LogLevel::kInfo, "serve", "node.stopping",
        {{"signal", signal_number == SIGINT ? "SIGINT" : "SIGTERM"}});
    server::NotifyStopping("stopping");
    console.reset();
    (*serving)->Stop();
    Log(LogLevel::kInfo, "serve", "node.stopped");
    return kExitOk;
  });
}

FEDLINK_COMMAND(
    "serve",
    "  fedlink serve --dir DIR [--witness-interval 5m] [--log-format text|json]\n"
    "                [--log-level info] [--metrics HOST:PORT]\n"
    "                [--web HOST:PORT|http://127.0.0.1:PORT [--web-cert PEM --web-key PEM]]\n"
    "                [--web-trust-proxy]\n\n"
    "Every --witness-interval the node asks its peers to witness (cosign)\n"
    "its access-log checkpoint (0 = never; `fedlink audit witness` does\n"
    "it on demand).\n"
    "Without a usable roster the peer port stays closed until one is\n"
    "installed (`fedlink roster install`; checked every second and on\n"
    "SIGHUP); `fedlink status` says why peers are not served.\n"
    "SIGHUP re-reads DIR/policy.txtpb (it is also re-read when it changes);\n"
    "a policy that does not parse is not applied.\n"
    "Logs one line per event on stderr: time, level, component, event and\n"
    "key=value fields (docs/operations.md lists the events).\n"
    "--metrics serves Prometheus metrics on their own address (off by default).\n"
    "Exits 1 if the node can no longer accept connections (docs/deploy.md):\n"
    "run it under a supervisor that restarts it.\n"
    "--web serves the web console (docs/console.md): HTTPS with the node's own\n"
    "certificate or --web-cert/--web-key; plain HTTP only on loopback.\n"
    "--web-trust-proxy (with http://127.0.0.1:PORT behind a reverse proxy here)\n"
    "keys the console's login lockout by the X-Forwarded-For address.\n"
    "--web-max-lookups N caps the console's intake lookups at once (default 0:\n"
    "half the cores, at least one).",
    "run the node until SIGINT/SIGTERM, then stop gracefully",
    {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "witness_interval",
     "log_format", "log_level", "metrics", "web", "web_cert", "web_key", "web_trust_proxy",
     "web_max_lookups"},
    RunServe);

}  // namespace
}  // namespace fedlink::cli
