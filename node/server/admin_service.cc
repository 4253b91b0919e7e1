#include "node/server/admin_service.h"

namespace fedlink::server {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

grpc::Status AdminService::Status(grpc::ServerContext* context,
                                  const fedlink::v1::StatusRequest* request,
                                  fedlink::v1::StatusResponse* response) {
  absl::StatusOr<NodeStatus> s = source_->Get();
  if (!s.ok()) return ToGrpcStatus(s.status());
  response->set_node_id(s->node_id);
  response->set_organisation(s->organisation);
  response->set_node_role(s->node_role);
  response->set_record_count(s->record_count);
  for (const auto& [role, count] : s->records_by_role) {
    auto* rc = response->add_records_by_role();
    rc->set_role(role);
    rc->set_count(count);
  }
  response->set_schema_version(static_cast<uint32_t>(s->schema_version));
  response->set_uptime_seconds(s->uptime_seconds);
  response->set_version(s->version);
  response->set_peers_state(s->peers.state);
  response->set_peers_reason(s->peers.reason);
  response->set_peers_detail(s->peers.detail);
  for (const std::string& p : s->health.problems) response->add_health_problems(p);
  for (const std::string& w : s->health.warnings) response->add_health_warnings(w);
  return grpc::Status::OK;
}

}  // namespace fedlink::server
