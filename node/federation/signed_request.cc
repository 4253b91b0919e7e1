#include "node/federation/signed_request.h"

#include <sodium.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/federation.pb.h"
#include "node/common/status_macros.h"

namespace fedlink::federation {

Header NewHeader(absl::string_view from, absl::string_view to, absl::string_view purpose,
                 absl::Time now) {
  Header h{
      std::string(from), std::string(to), std::string(purpose), std::string(16, '\0'), now, "", ""};
  randombytes_buf(h.nonce.data(), h.nonce.size());
  return h;
}

std::string SerializeHeader(const Header& header) {
  fedlink::v1::RequestHeader h;
  h.set_from(header.from);
  h.set_to(header.to);
  h.set_purpose(header.purpose);
  h.set_nonce(header.nonce);
  h.set_issued_at(absl::ToUnixSeconds(header.issued_at));
  h.set_legal_basis(header.legal_basis);
  h.set_official(header.official);
  return h.SerializeAsString();
}

absl::Status ValidatePurpose(absl::string_view purpose) {
  bool ok = !purpose.empty() && purpose.size() <= 64;
  for (char c : purpose) {
    const auto u = static_cast<unsigned char>(c);
    ok = ok &&
         (absl::ascii_islower(u) || absl::ascii_isdigit(u) || c == '-' || c == '.' || c == '_');
  }
  if (!ok) return absl::InvalidArgumentError("purpose must be 1-64 of [a-z0-9._-]");
  return absl::OkStatus();
}

std::string EnvelopeDigest(absl::string_view envelope) {
  std::string out(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()),
                     reinterpret_cast<const unsigned char*>(envelope.data()), envelope.size());
  return out;
}

absl::StatusOr<VerifiedRequest> RequestVerifier::Verify(absl::string_view envelope_bytes,
                                                        absl::string_view context,
                                                        absl::string_view tls_peer_sha256) const {
  ASSIGN_OR_RETURN(auto parsed, crypto::envelope::Parse(envelope_bytes));
  auto roster = roster_();
  if (!roster.ok()) {
    // Told to the peer without this node's paths: only which problem.
    const std::optional<RosterProblem> problem = RosterProblemOf(roster.status());
    return absl::FailedPreconditionError(
        absl::StrCat(self_id_, " refuses every request until it has a valid roster installed (",
                     problem.has_value() ? RosterProblemName(*problem) : "roster unusable", ")"));
  }
  if (!config::ValidateNodeId(parsed.signer).ok()) {
    return absl::PermissionDeniedError("the request's signer is not a valid node id");
  }
  const Member* member = (*roster)->Find(parsed.signer);
  if (member == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat("'", parsed.signer, "' is not a member of the installed roster"));
  }
  ASSIGN_OR_RETURN(auto body, crypto::envelope::Open(envelope_bytes, context, member->identity));
  // Every request message has its RequestHeader as field 1; parsing the
  // body as a RequestPrefix reads just that.
  fedlink::v1::PingRequest prefix;
  if (!prefix.ParseFromString(body) || !prefix.has_header()) {
    return absl::InvalidArgumentError("request has no header");
  }
  const auto& h = prefix.header();
  if (h.from() != member->node_id) {
    return absl::PermissionDeniedError("request header 'from' is not its signer");
  }
  if (tls_peer_sha256 != member->tls_cert_sha256) {
    return absl::PermissionDeniedError(absl::StrCat(
        "TLS client certificate does not match the roster entry of '", member->node_id, "'"));
  }
  if (h.to() != self_id_) {
    if (!config::ValidateNodeId(h.to()).ok()) {
      return absl::PermissionDeniedError("request is addressed to an invalid node id");
    }
    return absl::PermissionDeniedError(
        absl::StrCat("request is addressed to '", h.to(), "', not to this node"));
  }
  RETURN_IF_ERROR(ValidatePurpose(h.purpose()));
  if (h.nonce().size() != 16) return absl::InvalidArgumentError("request nonce must be 16 bytes");
  const absl::Time now = clock_->Now();
  const absl::Time issued = absl::FromUnixSeconds(h.issued_at());
  if (issued < now - skew_ || issued > now + skew_) {
    return absl::DeadlineExceededError(absl::StrCat("request issued_at is outside the ",
                                                    absl::FormatDuration(skew_),
                                                    " freshness window (stale or clock skew)"));
  }
  RETURN_IF_ERROR(nonces_->Remember(member->node_id, h.nonce(), issued + skew_, now));
  VerifiedRequest out;
  out.header = {h.from(), h.to(), h.purpose(), h.nonce(), issued, h.legal_basis(), h.official()};
  out.body = std::move(body);
  out.digest = EnvelopeDigest(envelope_bytes);
  out.sender = *member;
  return out;
}

absl::StatusOr<std::string> OpenAnswer(absl::string_view envelope_bytes, absl::string_view context,
                                       const Member& responder) {
  return crypto::envelope::Open(envelope_bytes, context, responder.identity);
}

}  // namespace fedlink::federation
