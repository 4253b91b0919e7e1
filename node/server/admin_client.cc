#include "node/server/admin_client.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "fedlink/v1/admin.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "node/server/admin_service.h"

namespace fedlink::server {
namespace {

std::shared_ptr<grpc::Channel> AdminChannel(const common::NodePaths& paths) {
  return grpc::CreateChannel(absl::StrCat("unix:", paths.admin_socket()),
                             grpc::InsecureChannelCredentials());
}

absl::Status Annotate(const grpc::Status& s, const common::NodePaths& paths) {
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE ||
      s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return absl::UnavailableError(absl::StrCat(
        paths.admin_socket(), ": node is not running (start it with `fedlink serve --dir ",
        paths.dir, "`)"));
  }
  return FromGrpcStatus(s);
}

}  // namespace

absl::StatusOr<NodeStatus> FetchNodeStatus(const common::NodePaths& paths,
                                           absl::Duration deadline) {
  auto stub = fedlink::v1::Admin::NewStub(AdminChannel(paths));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline));
  fedlink::v1::StatusResponse response;
  grpc::Status s = stub->Status(&context, fedlink::v1::StatusRequest(), &response);
  if (!s.ok()) return Annotate(s, paths);
  NodeStatus out;
  out.node_id = response.node_id();
  out.organisation = response.organisation();
  out.node_role = response.node_role();
  out.record_count = response.record_count();
  for (const auto& rc : response.records_by_role()) out.records_by_role[rc.role()] = rc.count();
  out.schema_version = static_cast<int>(response.schema_version());
  out.uptime_seconds = response.uptime_seconds();
  out.version = response.version();
  out.peers = {response.peers_state(), response.peers_reason(), response.peers_detail()};
  out.health.problems.assign(response.health_problems().begin(), response.health_problems().end());
  out.health.warnings.assign(response.health_warnings().begin(), response.health_warnings().end());
  out.health.serving = out.health.problems.empty();
  return out;
}

absl::StatusOr<bool> NodeIsServing(const common::NodePaths& paths, absl::Duration deadline) {
  auto stub = grpc::health::v1::Health::NewStub(AdminChannel(paths));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status s = stub->Check(&context, request, &response);
  if (!s.ok()) return Annotate(s, paths);
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

absl::Status CheckNodeHealth(const common::NodePaths& paths, absl::Duration deadline) {
  absl::StatusOr<bool> serving = NodeIsServing(paths, deadline);
  if (!serving.ok()) return serving.status();
  if (!*serving) return absl::UnavailableError("node is not serving");
  return absl::OkStatus();
}

}  // namespace fedlink::server
