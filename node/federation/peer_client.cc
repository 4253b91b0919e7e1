#include "node/federation/peer_client.h"

#include <grpcpp/grpcpp.h>

#include <future>
#include <thread>

#include "absl/strings/str_cat.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/federation.grpc.pb.h"
#include "node/federation/grpc_settings.h"
#include "node/federation/grpc_status.h"
#include "node/federation/peer_service.h"
#include "node/federation/pinning.h"
#include "node/federation/signed_request.h"

namespace fedlink::federation {

struct PeerClient::Impl {
  Self self;
  Member peer;
  std::unique_ptr<fedlink::v1::Federation::Stub> stub;
};

std::shared_ptr<grpc::Channel> OpenPeerChannel(const Self& self, const Member& peer) {
  grpc::ChannelArguments args;
  // What a peer server may legitimately answer (a tag-table chunk) and ask.
  args.SetMaxReceiveMessageSize(kMaxAnswerBytes);
  args.SetMaxSendMessageSize(kMaxRequestBytes);
  args.SetSslTargetNameOverride(PinnedTargetName(peer.node_id));  // the SNI: pinning.h
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  return grpc::CreateCustomChannel(peer.endpoint,
                                   PinnedChannelCredentials(self.tls, peer.tls_cert_sha256), args);
}

PeerClient::PeerClient(const Self& self, Member peer) : impl_(std::make_unique<Impl>()) {
  impl_->self = self;
  impl_->peer = std::move(peer);
  impl_->stub = fedlink::v1::Federation::NewStub(OpenPeerChannel(self, impl_->peer));
}

PeerClient::~PeerClient() = default;

namespace {

bool Retryable(const grpc::Status& s) { return s.error_code() == grpc::StatusCode::UNAVAILABLE; }

}  // namespace

Header HeaderFor(const Self& self, absl::string_view to, absl::string_view purpose) {
  common::Clock* clock = self.clock ? self.clock : common::Clock::Real();
  Header h = NewHeader(self.node_id, to, purpose, clock->Now());
  h.legal_basis = self.legal_basis;
  h.official = self.official;
  return h;
}

PingResult PeerClient::Ping(absl::Duration deadline, int attempts) {
  PingResult result;
  result.node_id = impl_->peer.node_id;
  const absl::Time start = absl::Now();
  const absl::Time end = start + deadline;
  absl::Duration backoff = absl::Milliseconds(100);
  for (int attempt = 1;; ++attempt) {
    // A fresh signed request per attempt: a replayed nonce would be refused.
    fedlink::v1::PingRequest request;
    auto sealed =
        SealRequest(impl_->self, impl_->peer.node_id, "ping", "fedlink.v1.PingRequest", request);
    if (!sealed.ok()) {
      result.status = sealed.status();
      return result;
    }
    fedlink::v1::Signed signed_request, signed_answer;
    signed_request.set_envelope(*sealed);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(end));
    const absl::Time sent = absl::Now();
    grpc::Status s = impl_->stub->Ping(&context, signed_request, &signed_answer);
    if (s.ok()) {
      result.latency = absl::Now() - sent;
      auto body = OpenAnswer(signed_answer.envelope(), "fedlink.v1.PingAnswer", impl_->peer);
      fedlink::v1::PingAnswer answer;
      if (!body.ok()) {
        result.status = body.status();
      } else if (!answer.ParseFromString(*body) ||
                 answer.request_sha256() != EnvelopeDigest(*sealed)) {
        result.status = absl::DataLossError("answer does not name our request");
      } else {
        result.roster_version = answer.roster_version();
        result.status = absl::OkStatus();
      }
      return result;
    }
    result.status = FromGrpc(s);
    if (!Retryable(s) || attempt >= attempts || absl::Now() + backoff >= end) return result;
    absl::SleepFor(backoff);
    backoff *= 2;
  }
}

absl::StatusOr<std::string> PeerClient::GetRoster(absl::Duration deadline) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  fedlink::v1::GetRosterResponse response;
  grpc::Status s = impl_->stub->GetRoster(&context, fedlink::v1::GetRosterRequest(), &response);
  if (!s.ok()) return FromGrpc(s);
  return response.roster_envelope();
}

std::vector<PingResult> PingAll(const Self& self, const Roster& roster, absl::Duration deadline) {
  std::vector<std::future<PingResult>> futures;
  for (const Member& m : roster.members()) {
    if (m.node_id == self.node_id) continue;
    futures.push_back(std::async(std::launch::async, [&self, m, deadline] {
      PeerClient client(self, m);
      return client.Ping(deadline);
    }));
  }
  std::vector<PingResult> out;
  for (auto& f : futures) out.push_back(f.get());
  return out;
}

}  // namespace fedlink::federation
