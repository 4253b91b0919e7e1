#include "node/audit/export_service.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/audit.grpc.pb.h"
#include "node/audit/exchange_event.h"
#include "node/federation/grpc_status.h"
#include "node/federation/signed_request.h"

namespace fedlink::audit {

using federation::ToGrpc;
using federation::FromGrpc;
namespace {

constexpr size_t kExportChunk = 1 << 20;

class AuditService final : public fedlink::v1::Audit::Service {
 public:
  AuditService(const federation::PeerAuth& auth, AuditLog* log, const SigningKey* identity,
               ExportAuthorizer authorize)
      : auth_(auth), log_(log), identity_(identity), authorize_(std::move(authorize)) {}

  grpc::Status GetExport(grpc::ServerContext* context, const fedlink::v1::Signed* request,
                         grpc::ServerWriter<fedlink::v1::Signed>* writer) override {
    auto verified = auth_.Verify(*context, request->envelope(), "fedlink.v1.ExportRequest");
    absl::Status allowed = verified.status();
    if (allowed.ok()) allowed = authorize_(verified->sender);
    Event e = ResponderEvent(allowed.ok() ? "audit.export.sent" : "audit.export.refused",
                             identity_->name(), request->envelope(),
                             verified.ok() ? &*verified : nullptr);
    e.purpose = "audit";
    e.outcome = OutcomeOf(allowed);
    if (auto logged = log_->Append(e); !logged.ok()) return ToGrpc(logged.status());
    if (!allowed.ok()) return ToGrpc(allowed);
    auto bytes = log_->Export();  // includes the entry just written
    if (!bytes.ok()) return ToGrpc(bytes.status());
    for (size_t offset = 0;; offset += kExportChunk) {
      fedlink::v1::ExportChunk chunk;
      chunk.set_request_sha256(verified->digest);
      chunk.set_offset(offset);
      chunk.set_total(bytes->size());
      chunk.set_data(bytes->substr(offset, kExportChunk));
      chunk.set_last(offset + kExportChunk >= bytes->size());
      auto sealed = envelope::Seal(*identity_, "fedlink.v1.ExportChunk", chunk.SerializeAsString());
      if (!sealed.ok()) return ToGrpc(sealed.status());
      fedlink::v1::Signed out;
      out.set_envelope(*std::move(sealed));
      if (!writer->Write(out)) return grpc::Status(grpc::StatusCode::CANCELLED, "auditor went away");
      if (chunk.last()) return grpc::Status::OK;
    }
  }

 private:
  const federation::PeerAuth& auth_;
  AuditLog* log_;
  const SigningKey* identity_;
  ExportAuthorizer authorize_;
};

}  // namespace

federation::PeerServiceFactory AuditServiceFactory(AuditLog* log, const SigningKey* identity,
                                                   ExportAuthorizer authorize) {
  return [=](const federation::PeerAuth& auth)
             -> absl::StatusOr<std::unique_ptr<grpc::Service>> {
    return std::make_unique<AuditService>(auth, log, identity, authorize);
  };
}

absl::StatusOr<std::string> FetchExport(const federation::Self& self,
                                        const federation::Member& node,
                                        absl::Duration deadline) {
  fedlink::v1::ExportRequest body;
  auto sealed =
      federation::SealRequest(self, node.node_id, "audit", "fedlink.v1.ExportRequest", body);
  if (!sealed.ok()) return sealed.status();
  const std::string digest = federation::EnvelopeDigest(*sealed);
  auto stub = fedlink::v1::Audit::NewStub(federation::OpenPeerChannel(self, node));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  fedlink::v1::Signed request, signed_chunk;
  request.set_envelope(*sealed);
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
  auto verified = VerifyExport(data, node.identity_vkey);
  if (!verified.ok()) return verified.status();
  return data;
}

}  // namespace fedlink::audit
