// absl::Status <-> grpc::Status, for the gRPC adapters of the peer-facing
// services and clients (included from .cc files only: it needs grpcpp).
#ifndef FEDLINK_NODE_FEDERATION_GRPC_STATUS_H_
#define FEDLINK_NODE_FEDERATION_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace fedlink::federation {

inline grpc::Status ToGrpc(const absl::Status& s) {
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

inline absl::Status FromGrpc(const grpc::Status& s) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

// The same, with the message naming the peer that answered ("peer: ...").
inline absl::Status FromGrpc(const grpc::Status& s, absl::string_view peer) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      absl::StrCat(peer, ": ", s.error_message()));
}

}  // namespace fedlink::federation

#endif  // FEDLINK_NODE_FEDERATION_GRPC_STATUS_H_
