// fedlink serve: run the node until SIGINT or SIGTERM, then stop gracefully
// (node/app/serving.h); SIGHUP looks at the installed roster (opening the
// peer port if it can) and re-reads the sharing policy. A node that can no
// longer accept connections stops and exits 1, for its supervisor to
// restart it.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <mutex>

#include "absl/flags/flag.h"
#include "node/app/serving.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"
#include "node/web/web_server.h"

ABSL_FLAG(absl::Duration, witness_interval, absl::Minutes(5),
          "How often to have peers witness (cosign) this node's log checkpoint; 0 = never.");

ABSL_FLAG(std::string, web, "",
          "Serve the web console on HOST:PORT over HTTPS (or http://HOST:PORT, loopback only); "
          "empty = no console (docs/console.md).");
ABSL_FLAG(std::string, web_cert, "",
          "PEM certificate (chain) for the web console; default: the node's own tls.crt.");
ABSL_FLAG(std::string, web_key, "", "PEM private key of --web-cert (mode 0600).");

namespace fedlink::cli {
namespace {

// The fatal error a background thread reported; SIGUSR1 wakes the main
// thread to act on it.
std::mutex fatal_mu;
absl::Status fatal_status;

int RunServe(const std::vector<std::string>& args) {
  // Block the stop signals before any thread starts, so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  return WithNodeInDir("serve", [&](app::Node& node) {
    app::ServeOptions options;
    options.witness_interval = absl::GetFlag(FLAGS_witness_interval);
    options.on_problem = [](const std::string& problem) {
      std::cerr << "fedlink serve: " << Safe(problem) << "\n";
    };
    // Each change: the peer port opened, a new roster, the roster unusable.
    options.on_peers = [](const server::PeerService& peers) {
      std::cerr << "fedlink serve: peers: " << Safe(server::FormatPeerService(peers))
                << (peers.state == "serving" ? " (mutual TLS, roster-pinned)" : "") << "\n";
    };
    options.on_fatal = [](const absl::Status& status) {
      {
        std::lock_guard<std::mutex> lock(fatal_mu);
        fatal_status = status;
      }
      kill(getpid(), SIGUSR1);
    };
    auto serving = app::ServingNode::Start(node, options);
    if (!serving.ok()) return ReportError("serve", serving.status());
    std::cerr << "fedlink serve: node " << node.id() << " serving admin on "
              << (*serving)->admin_target() << " (pid " << getpid() << ")\n";
    if ((*serving)->serves_peers()) {
      std::cerr << "fedlink serve: up to " << (*serving)->max_peer_connections()
                << " peer connections at once (open-file limit " << (*serving)->open_file_limit()
                << ")\n";
    }
    std::unique_ptr<web::WebServer> console;
    if (const std::string web = absl::GetFlag(FLAGS_web); !web.empty()) {
      web::WebServerOptions web_options;
      web_options.address = web;
      web_options.cert_file = absl::GetFlag(FLAGS_web_cert);
      web_options.key_file = absl::GetFlag(FLAGS_web_key);
      auto started = web::WebServer::Start(node, web_options);
      if (!started.ok()) {
        (*serving)->Stop();
        return ReportError("serve", started.status());
      }
      console = *std::move(started);
      std::cerr << "fedlink serve: web console on " << console->url() << "\n";
    }
    int signal_number = 0;
    for (;;) {
      sigwait(&signals, &signal_number);
      if (signal_number == SIGUSR1) {
        std::lock_guard<std::mutex> lock(fatal_mu);
        if (fatal_status.ok()) continue;  // not ours
        std::cerr << "fedlink serve: FATAL: " << fatal_status.message()
                  << "; stopping so that the node can be restarted\n";
        console.reset();
        (*serving)->Stop();
        return kExitFailure;
      }
      if (signal_number != SIGHUP) break;
      const server::PeerService peers = (*serving)->CheckRoster();
      std::cerr << "fedlink serve: SIGHUP: peers: " << Safe(server::FormatPeerService(peers))
                << "\n";
      if (!(*serving)->serves_peers()) continue;
      if (const absl::Status s = (*serving)->ReloadPolicy(); s.ok()) {
        std::cerr << "fedlink serve: SIGHUP: policy reloaded\n";
      } else {
        std::cerr << "fedlink serve: SIGHUP: policy NOT reloaded, keeping the last good one: "
                  << Safe(s.message()) << "\n";
      }
    }
    std::cerr << "fedlink serve: " << (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
              << " received, stopping\n";
    console.reset();
    (*serving)->Stop();
    std::cerr << "fedlink serve: stopped\n";
    return kExitOk;
  });
}

FEDLINK_COMMAND(
    "serve",
    "  fedlink serve --dir DIR [--witness-interval 5m]\n"
    "                [--web HOST:PORT|http://127.0.0.1:PORT [--web-cert PEM --web-key PEM]]\n\n"
    "Every --witness-interval the node asks its peers to witness (cosign)\n"
    "its access-log checkpoint (0 = never; `fedlink audit witness` does\n"
    "it on demand).\n"
    "Without a usable roster the peer port stays closed until one is\n"
    "installed (`fedlink roster install`; checked every second and on\n"
    "SIGHUP); `fedlink status` says why peers are not served.\n"
    "SIGHUP re-reads DIR/policy.txtpb (it is also re-read when it changes);\n"
    "a policy that does not parse is not applied.\n"
    "Exits 1 if the node can no longer accept connections (docs/deploy.md):\n"
    "run it under a supervisor that restarts it.\n"
    "--web serves the web console (docs/console.md): HTTPS with the node's own\n"
    "certificate or --web-cert/--web-key; plain HTTP only on loopback.",
    "run the node until SIGINT/SIGTERM, then stop gracefully",
    {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential", "witness_interval", "web",
     "web_cert", "web_key"},
    RunServe);

}  // namespace
}  // namespace fedlink::cli
