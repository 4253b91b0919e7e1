#include "node/federation/signed_handler.h"

#include "absl/strings/str_cat.h"
#include "crypto/signed_envelope.h"
#include "node/audit/exchange_event.h"

namespace fedlink::federation {

absl::Status ChunkWriter::WriteBody(const std::string& body) {
  ASSIGN_OR_RETURN(std::string sealed, crypto::envelope::Seal(*identity_, context_, body));
  return (*send_)(std::move(sealed));
}

absl::Status SignedHandler::TooLarge(const SignedMethod& method, size_t size) {
  return WithRefusalReason(
      absl::ResourceExhaustedError(absl::StrCat(method.request, " of ", size,
                                                " bytes exceeds this method's limit of ",
                                                method.max_envelope_bytes, " bytes")),
      "too-large");
}

audit::Event SignedHandler::StartEntry(const grpc::ServerContext& context,
                                       const SignedMethod& method, absl::string_view envelope,
                                       const absl::StatusOr<VerifiedRequest>& verified) const {
  if (!verified.ok()) {
    return audit::RefusalEvent(method.refused, identity_->name(), method.request, envelope,
                               auth_.TlsPeer(context), verified.status());
  }
  audit::Event entry = audit::ResponderEvent(method.answered, identity_->name(), *verified);
  if (method.note != nullptr) method.note(envelope, entry);
  return entry;
}

absl::StatusOr<Logged> SignedHandler::Log(const SignedMethod& method, const absl::Status& outcome,
                                          bool authenticated, audit::Event& entry) const {
  entry.event = std::string(outcome.ok() ? method.answered : method.refused);
  if (authenticated) entry.outcome = audit::OutcomeOf(outcome);
  if (audit_ == nullptr) {
    RETURN_IF_ERROR(outcome);
    return Logged{};
  }
  absl::StatusOr<uint64_t> index = audit_->Append(entry);
  if (!outcome.ok()) {
    if (method.refusal_needs_entry) RETURN_IF_ERROR(index);
    return outcome;
  }
  RETURN_IF_ERROR(index);
  return Logged{*index, audit_->LatestCheckpoint()};
}

absl::StatusOr<std::string> SignedHandler::Seal(const SignedMethod& method,
                                                const std::string& body) const {
  return crypto::envelope::Seal(*identity_, method.answer, body);
}

}  // namespace fedlink::federation
