#include "node/app/audit_report_signature.h"

#include <sodium.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "crypto/signed_note.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/federation/roster.h"

namespace fedlink::app {
namespace {

constexpr char kHeader[] = "fedlink audit report v1";

std::string HexSha256(absl::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

}  // namespace

absl::StatusOr<std::string> SignAuditReport(const crypto::SigningKey& key, absl::string_view html) {
  return crypto::note::Sign(
      absl::StrCat(kHeader, "\nsha256 ", HexSha256(html), "\nsize ", html.size(), "\n"), key);
}

absl::StatusOr<ReportSignature> VerifyAuditReport(absl::string_view html,
                                                  absl::string_view signature,
                                                  const std::vector<crypto::Verifier>& known) {
  std::vector<std::string> by;
  auto text = crypto::note::Verify(signature, known, &by);
  if (!text.ok() || by.empty()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the signature is not by any of the ", known.size(), " keys given",
                     text.ok() ? "" : absl::StrCat(": ", text.status().message())));
  }
  const std::vector<std::string> lines = absl::StrSplit(*text, '\n');
  uint64_t size = 0;
  if (lines.size() != 4 || lines[0] != kHeader || !absl::StartsWith(lines[1], "sha256 ") ||
      !absl::StartsWith(lines[2], "size ") || !absl::SimpleAtoi(lines[2].substr(5), &size)) {
    return absl::InvalidArgumentError("the signed note is not a fedlink audit report signature");
  }
  ReportSignature out;
  out.signer = by.front();
  out.sha256 = HexSha256(html);
  const std::string signed_sha = lines[1].substr(7);
  if (size != html.size() || signed_sha != out.sha256) {
    return absl::DataLossError(absl::StrCat("the report is not the one ", out.signer,
                                            " signed: it has ", html.size(), " bytes and SHA-256 ",
                                            out.sha256, "; the signature is for ", size,
                                            " bytes and SHA-256 ", signed_sha));
  }
  return out;
}

absl::StatusOr<std::string> SignAuditReport(Node& node, absl::string_view html) {
  if (node.identity() == nullptr) {
    return absl::FailedPreconditionError("the node's identity key is not loaded");
  }
  return SignAuditReport(*node.identity(), html);
}

absl::StatusOr<ReportSignature> VerifyAuditReportFiles(const VerifyReportRequest& request) {
  std::vector<crypto::Verifier> known;
  if (!request.signer_vkey.empty()) {
    auto v = crypto::Verifier::Parse(request.signer_vkey);
    if (!v.ok()) return absl::InvalidArgumentError("signer key: not a verifier key");
    known.push_back(*v);
  }
  if (!request.roster.empty()) {
    ASSIGN_OR_RETURN(const std::string bytes, common::ReadWholeFile(request.roster));
    auto key = crypto::Verifier::Parse(request.federation_key);
    if (!key.ok())
      return absl::InvalidArgumentError(
          "a roster needs the federation's verifier key to be checked");
    ASSIGN_OR_RETURN(const federation::Roster roster,
                     federation::Roster::Open(bytes, *key, absl::Now()));
    for (const federation::Member& m : roster.members()) known.push_back(m.identity);
  }
  if (known.empty()) {
    return absl::InvalidArgumentError(
        "name the signer: its verifier key, or a roster and the federation's verifier key");
  }
  ASSIGN_OR_RETURN(const std::string html, common::ReadWholeFile(request.report));
  ASSIGN_OR_RETURN(
      const std::string signature,
      common::ReadWholeFile(
          request.signature.empty() ? absl::StrCat(request.report, ".sig") : request.signature,
          common::kMaxSmallFileBytes));
  return VerifyAuditReport(html, signature, known);
}

}  // namespace fedlink::app
