// The gRPC side of SignedHandler (signed_handler.h) for the peer-facing
// services: a sealed answer into a fedlink.v1.Signed response, and a
// server stream as an EnvelopeSink. Included from .cc files only: it needs
// grpcpp and the generated code.
#ifndef FEDLINK_NODE_FEDERATION_SIGNED_RPC_H_
#define FEDLINK_NODE_FEDERATION_SIGNED_RPC_H_

#include <grpcpp/support/status.h>
#include <grpcpp/support/sync_stream.h>

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "fedlink/v1/federation.pb.h"
#include "node/federation/grpc_status.h"
#include "node/federation/signed_handler.h"

namespace fedlink::federation {

// Sets `response` to the sealed answer, or returns the refusal.
inline grpc::Status Reply(absl::StatusOr<std::string> sealed, fedlink::v1::Signed* response) {
  if (!sealed.ok()) return ToGrpc(sealed.status());
  response->set_envelope(*std::move(sealed));
  return grpc::Status::OK;
}

// Writes each envelope to `writer` as a fedlink.v1.Signed; a failed write is
// CANCELLED "<who> went away".
inline EnvelopeSink SinkTo(grpc::internal::WriterInterface<fedlink::v1::Signed>* writer,
                           absl::string_view who) {
  return [writer, gone = absl::StrCat(who, " went away")](std::string envelope) {
    fedlink::v1::Signed out;
    out.set_envelope(std::move(envelope));
    if (!writer->Write(out)) return absl::CancelledError(gone);
    return absl::OkStatus();
  };
}

}  // namespace fedlink::federation

#endif  // FEDLINK_NODE_FEDERATION_SIGNED_RPC_H_
