// `fedlink serve --metrics ADDR`: the node's metrics (node/common/metrics.h)
// over plain HTTP, GET /metrics in the Prometheus text format, on an address
// of its own (off by default; bind it to loopback or a monitoring network:
// it serves counts, ids and purposes, never personal data, and asks for no
// credentials). Served by GNU libmicrohttpd from a thread of its own.
//
//   ASSIGN_OR_RETURN(auto endpoint, MetricsEndpoint::Start("127.0.0.1:9464"));
#ifndef FEDLINK_NODE_SERVER_METRICS_ENDPOINT_H_
#define FEDLINK_NODE_SERVER_METRICS_ENDPOINT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct MHD_Daemon;  // libmicrohttpd's, kept out of this header

namespace fedlink::server {

class MetricsEndpoint {
 public:
  // `listen` is HOST:PORT with a numeric IPv4 or IPv6 ([::1]:9464) host;
  // port 0 picks a free one (port()). Unavailable if it cannot be bound
  // (in use), InvalidArgument if it is not such an address.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(absl::string_view listen);
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;
  int port() const { return port_; }

 private:
  MetricsEndpoint() = default;
  ::MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;
};

}  // namespace fedlink::server

#endif  // FEDLINK_NODE_SERVER_METRICS_ENDPOINT_H_
