// gRPC adapter for fedlink.v1.Admin: decodes, calls NodeStatusSource,
// encodes. Included only by node_server.cc (it pulls in grpcpp).
#ifndef FEDLINK_NODE_SERVER_ADMIN_SERVICE_H_
#define FEDLINK_NODE_SERVER_ADMIN_SERVICE_H_

#include "fedlink/v1/admin.grpc.pb.h"
#include "node/server/node_status.h"

namespace fedlink::server {

class AdminService final : public fedlink::v1::Admin::Service {
 public:
  explicit AdminService(const NodeStatusSource* source) : source_(source) {}
  grpc::Status Status(grpc::ServerContext* context, const fedlink::v1::StatusRequest* request,
                      fedlink::v1::StatusResponse* response) override;

 private:
  const NodeStatusSource* source_;
};

// absl::Status -> grpc::Status with the same code and message.
grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace fedlink::server

#endif  // FEDLINK_NODE_SERVER_ADMIN_SERVICE_H_
