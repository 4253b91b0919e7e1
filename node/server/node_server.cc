#include "node/server/node_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server_posix.h>

#include "absl/strings/str_cat.h"
#include "node/net/unix_acceptor.h"
#include "node/server/admin_service.h"

namespace fedlink::server {

struct NodeServer::Impl {
  std::unique_ptr<NodeStatusSource> status_source;
  std::unique_ptr<AdminService> admin_service;
  std::unique_ptr<grpc::Server> server;
  // Our accept loop hands connections to the server: gRPC 1.51's own stops
  // for good after one EMFILE.
  std::unique_ptr<net::UnixAcceptor> acceptor;
  std::string socket_path;
  bool shut_down = false;
};

NodeServer::NodeServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

NodeServer::~NodeServer() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<NodeServer>> NodeServer::Start(const ServerOptions& options) {
  auto impl = std::make_unique<Impl>();
  common::Clock* clock = options.clock ? options.clock : common::Clock::Real();
  impl->status_source = std::make_unique<NodeStatusSource>(options.config, options.store, clock,
                                                           options.peers, options.health);
  impl->admin_service = std::make_unique<AdminService>(impl->status_source.get());
  impl->socket_path = options.paths.admin_socket();

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.RegisterService(impl->admin_service.get());
  builder.SetMaxReceiveMessageSize(4 << 20);
  builder.SetMaxSendMessageSize(4 << 20);
  impl->server = builder.BuildAndStart();
  if (impl->server == nullptr) {
    return absl::UnavailableError(
        absl::StrCat(impl->socket_path, ": cannot start the admin server"));
  }
  impl->server->GetHealthCheckService()->SetServingStatus(true);
  // A socket left by a crashed server is replaced; the caller holds the node
  // directory's serve lock, so no live server owns it.
  net::AcceptorOptions accept;
  accept.path = impl->socket_path;
  accept.on_connection = [server = impl->server.get()](int fd) {
    grpc::AddInsecureChannelFromFd(server, fd);
  };
  if (options.on_fatal) accept.on_fatal = options.on_fatal;
  auto acceptor = net::UnixAcceptor::Start(std::move(accept));
  if (!acceptor.ok()) {
    impl->server->Shutdown();
    return absl::UnavailableError(absl::StrCat(
        impl->socket_path, ": cannot listen on the admin socket: ", acceptor.status().message()));
  }
  impl->acceptor = *std::move(acceptor);
  return std::unique_ptr<NodeServer>(new NodeServer(std::move(impl)));
}

void NodeServer::Shutdown(absl::Duration grace) {
  if (impl_ == nullptr || impl_->shut_down) return;
  impl_->shut_down = true;
  impl_->acceptor->Stop();  // no new connection reaches the server below
  impl_->server->GetHealthCheckService()->SetServingStatus(false);
  impl_->server->Shutdown(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(grace));
  impl_->server->Wait();
}

void NodeServer::SetServing(bool serving) {
  if (impl_ == nullptr || impl_->shut_down) return;
  impl_->server->GetHealthCheckService()->SetServingStatus(serving);
}

std::string NodeServer::admin_target() const { return absl::StrCat("unix:", impl_->socket_path); }

}  // namespace fedlink::server
