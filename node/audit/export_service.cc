#include "node/audit/export_service.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/audit.grpc.pb.h"
#include "node/common/status_macros.h"
#include "node/federation/grpc_settings.h"
#include "node/federation/grpc_status.h"
#include "node/federation/signed_request.h"
#include "node/federation/signed_rpc.h"

namespace fedlink::audit {

using federation::FromGrpc;
using federation::ToGrpc;
namespace {

constexpr size_t kExportChunk = 1 << 20;

using federation::VerifiedRequest;

constexpr federation::SignedMethod kGetExport = {
    .request = "fedlink.v1.ExportRequest",
    .answer = "fedlink.v1.ExportChunk",
    .answered = "audit.export.sent",
    .refused = "audit.export.refused",
    .note = [](absl::string_view, Event& entry) { entry.purpose = "audit"; },
    .refusal_needs_entry = true,
    .max_envelope_bytes = federation::kMaxHeaderOnlyEnvelope,
};

class AuditService final : public fedlink::v1::Audit::Service {
 public:
  AuditService(const federation::PeerAuth& auth, AuditLog* log, const crypto::SigningKey* identity,
               ExportAuthorizer authorize)
      : log_(log), authorize_(std::move(authorize)), handler_(auth, identity, log) {}

  grpc::Status GetExport(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                         grpc::ServerWriter<fedlink::v1::Signed>* writer) override {
    // The request carries nothing but its header.
    auto decode = [](const VerifiedRequest&) { return federation::Done{}; };
    auto authorize = [this](const VerifiedRequest& v, federation::Done&) {
      return authorize_(v.sender);
    };
    auto send = [this](const VerifiedRequest& v, federation::Done&, const federation::Logged&,
                       federation::ChunkWriter& out) -> absl::Status {
      ASSIGN_OR_RETURN(const std::string bytes, log_->Export());  // holds the entry just written
      for (size_t offset = 0;; offset += kExportChunk) {
        fedlink::v1::ExportChunk chunk;
        chunk.set_request_sha256(v.digest);
        chunk.set_offset(offset);
        chunk.set_total(bytes.size());
        chunk.set_data(bytes.substr(offset, kExportChunk));
        chunk.set_last(offset + kExportChunk >= bytes.size());
        RETURN_IF_ERROR(out.Write(chunk));
        if (chunk.last()) return absl::OkStatus();
      }
    };
    return ToGrpc(handler_.Stream(*context, request->envelope(), kGetExport,
                                  federation::SinkTo(writer, "auditor"), decode, authorize, send));
  }

 private:
  AuditLog* log_;
  ExportAuthorizer authorize_;
  federation::SignedHandler handler_;
};

}  // namespace

federation::PeerServiceFactory AuditServiceFactory(AuditLog* log,
                                                   const crypto::SigningKey* identity,
                                                   ExportAuthorizer authorize) {
  return [=](const federation::PeerAuth& auth) -> absl::StatusOr<std::unique_ptr<grpc::Service>> {
    return std::make_unique<AuditService>(auth, log, identity, authorize);
  };
}

absl::StatusOr<std::string> FetchExport(const federation::Self& self,
                                        const federation::Member& node, absl::Duration deadline) {
  fedlink::v1::ExportRequest body;
  ASSIGN_OR_RETURN(auto sealed, federation::SealRequest(self, node.node_id, "audit",
                                                        "fedlink.v1.ExportRequest", body));
  const std::string digest = federation::EnvelopeDigest(sealed);
  auto stub = fedlink::v1::Audit::NewStub(federation::OpenPeerChannel(self, node));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  fedlink::v1::Signed request, signed_chunk;
  request.set_envelope(sealed);
  auto reader = stub->GetExport(&context, request);
  std::string data;
  bool last = false;
  while (reader->Read(&signed_chunk)) {
    auto opened = federation::OpenAnswer(signed_chunk.envelope(), "fedlink.v1.ExportChunk", node);
    fedlink::v1::ExportChunk chunk;
    if (!opened.ok() || !chunk.ParseFromString(*opened) || chunk.request_sha256() != digest ||
        chunk.offset() != data.size() || last) {
      context.TryCancel();
      return absl::DataLossError(absl::StrCat(node.node_id, ": export chunk refused"));
    }
    data += chunk.data();
    last = chunk.last();
  }
  grpc::Status s = reader->Finish();
  if (!s.ok()) return FromGrpc(s, node.node_id);
  if (!last) return absl::DataLossError(absl::StrCat(node.node_id, ": export is incomplete"));
  RETURN_IF_ERROR(VerifyExport(data, node.identity_vkey));
  return data;
}

}  // namespace fedlink::audit
