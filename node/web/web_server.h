// The console's HTTP server: cpp-httplib (Debian's libcpp-httplib-dev) with
// OpenSSL, on its own address beside the node's peer port. HTTPS with the
// node's own TLS certificate (tls.crt and the sealed tls.key) or an
// operator's PEM pair; plain HTTP only on a loopback address (refused on
// any other). Every request goes to Console::Handle; the server keeps no
// request log (nothing personal reaches a log), reads at most 1 MiB of body
// and times idle connections out.
//
//   ASSIGN_OR_RETURN(auto web, WebServer::Start(node, {.address = "127.0.0.1:8443"}));
//   ... web->url() ...
//   web->Stop();  // or destruction
#ifndef FEDLINK_NODE_WEB_WEB_SERVER_H_
#define FEDLINK_NODE_WEB_WEB_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "node/app/node.h"
#include "node/web/console.h"

namespace fedlink::web {

struct WebServerOptions {
  // HOST:PORT (HTTPS), or http://HOST:PORT (plain HTTP: loopback only).
  // Port 0 picks a free one (see WebServer::port).
  std::string address;
  // PEM certificate (chain) and key; both or neither. Neither: the node's own.
  std::string cert_file;
  std::string key_file;
  ConsoleOptions console;  // its `https` is set from the address
  // Behind a reverse proxy on this machine every request comes from
  // loopback, so the per-address login lockout would throttle everyone at
  // once. With this set (plain HTTP on loopback only) a request from a
  // loopback peer is keyed by the last X-Forwarded-For address, the one the
  // proxy saw.
  bool trust_forwarded_for = false;
};

// The address a request's login lockout is keyed by: `peer`, or with
// `trust_forwarded_for` and a loopback peer, the last address in
// X-Forwarded-For when it is an IPv4 or IPv6 literal.
std::string ClientAddress(absl::string_view peer, absl::string_view forwarded_for,
                          bool trust_forwarded_for);

// Whether HOST (an IPv4 or IPv6 literal, or "localhost") is a loopback address.
bool IsLoopback(absl::string_view host);

class WebServer {
 public:
  // InvalidArgument for a malformed address, plain HTTP off loopback or one
  // of cert/key without the other; the file or bind error otherwise.
  static absl::StatusOr<std::unique_ptr<WebServer>> Start(app::Node& node,
                                                          WebServerOptions options);
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  void Stop();
  int port() const { return port_; }
  // "https://127.0.0.1:8443/" or "http://...".
  const std::string& url() const { return url_; }
  // The console's cap on intake lookups at once (Console::max_concurrent_lookups).
  int max_concurrent_lookups() const { return max_concurrent_lookups_; }

  struct Impl;

 private:
  WebServer() = default;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::string url_;
  int max_concurrent_lookups_ = 0;
};

}  // namespace fedlink::web

#endif  // FEDLINK_NODE_WEB_WEB_SERVER_H_
