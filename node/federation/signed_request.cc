#include "node/federation/signed_request.h"

#include <sodium.h>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
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

namespace {

// The fixed reasons a refusal entry may name (RefusalReason), and the
// payload that carries one on a status.
constexpr absl::string_view kRefusalReasons[] = {
    "malformed-envelope",
    "no-roster",
    "not-a-member",
    "bad-signature",
    "no-header",
    "from-is-not-the-signer",
    "tls-certificate-mismatch",
    "wrong-recipient",
    "bad-nonce",
    "stale",
    "replayed",
    "nonce-store-failed",
    "header-field-too-long",
    "no-tls-certificate",
    "too-large",
    "bad-purpose",
};
constexpr char kRefusalReasonPayload[] = "type.fedlink/refusal-reason";

}  // namespace

absl::Status WithRefusalReason(absl::Status refusal, absl::string_view reason) {
  refusal.SetPayload(kRefusalReasonPayload, absl::Cord(reason));
  return refusal;
}

absl::string_view RefusalReason(const absl::Status& refusal) {
  if (auto tagged = refusal.GetPayload(kRefusalReasonPayload); tagged.has_value()) {
    for (absl::string_view reason : kRefusalReasons) {
      if (*tagged == reason) return reason;
    }
  }
  switch (refusal.code()) {
    case absl::StatusCode::kPermissionDenied:
      return "permission-denied";
    case absl::StatusCode::kUnauthenticated:
      return "unauthenticated";
    case absl::StatusCode::kInvalidArgument:
      return "malformed";
    case absl::StatusCode::kDeadlineExceeded:
      return "stale";
    case absl::StatusCode::kAlreadyExists:
      return "replayed";
    case absl::StatusCode::kUnavailable:
      return "unavailable";
    default:
      return "refused";
  }
}

absl::StatusOr<VerifiedRequest> RequestVerifier::Verify(absl::string_view envelope_bytes,
                                                        absl::string_view context,
                                                        absl::string_view tls_peer_sha256) const {
  // Only the signer is read here (no copy of the body, however large).
  absl::StatusOr<std::string> signer = crypto::envelope::Signer(envelope_bytes);
  if (!signer.ok()) return WithRefusalReason(signer.status(), "malformed-envelope");
  auto roster = roster_();
  if (!roster.ok()) {
    // Told to the peer without this node's paths: only which problem.
    const std::optional<RosterProblem> problem = RosterProblemOf(roster.status());
    return WithRefusalReason(
        absl::FailedPreconditionError(absl::StrCat(
            self_id_, " refuses every request until it has a valid roster installed (",
            problem.has_value() ? RosterProblemName(*problem) : "roster unusable", ")")),
        "no-roster");
  }
  if (!config::ValidateNodeId(*signer).ok()) {
    return WithRefusalReason(
        absl::PermissionDeniedError("the request's signer is not a valid node id"), "not-a-member");
  }
  const Member* member = (*roster)->Find(*signer);
  if (member == nullptr) {
    return WithRefusalReason(absl::PermissionDeniedError(absl::StrCat(
                                 "'", *signer, "' is not a member of the installed roster")),
                             "not-a-member");
  }
  absl::StatusOr<std::string> body =
      crypto::envelope::Open(envelope_bytes, context, member->identity);
  if (!body.ok()) return WithRefusalReason(body.status(), "bad-signature");
  // Every request message has its RequestHeader as field 1; parsing the
  // body as a RequestPrefix reads just that.
  fedlink::v1::PingRequest prefix;
  if (!prefix.ParseFromString(*body) || !prefix.has_header()) {
    return WithRefusalReason(absl::InvalidArgumentError("request has no header"), "no-header");
  }
  const auto& h = prefix.header();
  if (h.from() != member->node_id) {
    return WithRefusalReason(absl::PermissionDeniedError("request header 'from' is not its signer"),
                             "from-is-not-the-signer");
  }
  if (tls_peer_sha256 != member->tls_cert_sha256) {
    return WithRefusalReason(
        absl::PermissionDeniedError(absl::StrCat(
            "TLS client certificate does not match the roster entry of '", member->node_id, "'")),
        "tls-certificate-mismatch");
  }
  if (h.to() != self_id_) {
    if (!config::ValidateNodeId(h.to()).ok()) {
      return WithRefusalReason(
          absl::PermissionDeniedError("request is addressed to an invalid node id"),
          "wrong-recipient");
    }
    return WithRefusalReason(absl::PermissionDeniedError(absl::StrCat(
                                 "request is addressed to '", h.to(), "', not to this node")),
                             "wrong-recipient");
  }
  if (absl::Status purpose = ValidatePurpose(h.purpose()); !purpose.ok()) {
    return WithRefusalReason(purpose, "bad-purpose");
  }
  if (h.nonce().size() != 16) {
    return WithRefusalReason(absl::InvalidArgumentError("request nonce must be 16 bytes"),
                             "bad-nonce");
  }
  // The header goes into both nodes' audit logs: it stays small.
  if (h.purpose().size() > kMaxPurposeBytes || h.legal_basis().size() > kMaxLegalBasisBytes ||
      h.official().size() > kMaxOfficialBytes) {
    return WithRefusalReason(
        absl::InvalidArgumentError(absl::StrCat(
            "request header: purpose, legal basis or official longer than ", kMaxPurposeBytes, ", ",
            kMaxLegalBasisBytes, " or ", kMaxOfficialBytes, " bytes")),
        "header-field-too-long");
  }
  const absl::Time now = clock_->Now();
  const absl::Time issued = absl::FromUnixSeconds(h.issued_at());
  if (issued < now - skew_ || issued > now + skew_) {
    return WithRefusalReason(absl::DeadlineExceededError(absl::StrCat(
                                 "request issued_at is outside the ", absl::FormatDuration(skew_),
                                 " freshness window (stale or clock skew)")),
                             "stale");
  }
  if (absl::Status s = nonces_->Remember(member->node_id, h.nonce(), issued + skew_, now);
      !s.ok()) {
    return WithRefusalReason(s, absl::IsAlreadyExists(s) ? "replayed" : "nonce-store-failed");
  }
  VerifiedRequest out;
  out.header = {h.from(), h.to(), h.purpose(), h.nonce(), issued, h.legal_basis(), h.official()};
  out.body = *std::move(body);
  out.digest = EnvelopeDigest(envelope_bytes);
  out.sender = *member;
  return out;
}

absl::StatusOr<std::string> OpenAnswer(absl::string_view envelope_bytes, absl::string_view context,
                                       const Member& responder) {
  return crypto::envelope::Open(envelope_bytes, context, responder.identity);
}

}  // namespace fedlink::federation
