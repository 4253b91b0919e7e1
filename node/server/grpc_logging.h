// gRPC's own log lines, routed into the node's logger (node/common/logger.h)
// as component "grpc", event "grpc.log": its errors (mostly about one
// connection: a failed handshake, a reset) as warnings, everything else as
// debug, so that they are written only with --log-level debug.
#ifndef FEDLINK_NODE_SERVER_GRPC_LOGGING_H_
#define FEDLINK_NODE_SERVER_GRPC_LOGGING_H_

namespace fedlink::server {

// Installs the route (gpr_set_log_function) and sets gRPC's verbosity from
// the logger's level. Call after common::ConfigureLog, before gRPC starts.
void RouteGrpcLogging();

}  // namespace fedlink::server

#endif  // FEDLINK_NODE_SERVER_GRPC_LOGGING_H_
