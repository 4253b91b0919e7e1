// An auditor's signature on a report (`fedlink audit report --sign`,
// `fedlink audit verify-report`), so that an oversight body can tell the
// report it reads is the one the auditor member made, byte for byte.
//
// Format: a C2SP signed note (crypto/signed_note.h) signed by the auditor
// node's identity key (key name = node id), whose text is
//   fedlink audit report v1
//   sha256 <hex SHA-256 of the report's bytes>
//   size <the report's length in bytes>
// written next to the report as REPORT.sig.
//
//   ASSIGN_OR_RETURN(std::string sig, app::SignAuditReport(*node.identity(), html));
//   ASSIGN_OR_RETURN(app::ReportSignature s, app::VerifyAuditReport(html, sig, {verifier}));
//
// Pure and thread-safe.
#ifndef FEDLINK_NODE_APP_AUDIT_REPORT_SIGNATURE_H_
#define FEDLINK_NODE_APP_AUDIT_REPORT_SIGNATURE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/identity.h"
#include "node/app/node.h"

namespace fedlink::app {

absl::StatusOr<std::string> SignAuditReport(const crypto::SigningKey& key, absl::string_view html);

struct ReportSignature {
  std::string signer;  // the key name (node id) that verified
  std::string sha256;  // hex, of the report
};
// Unauthenticated if no key in `known` signed the note (or it does not
// parse); DataLoss if the report's bytes are not the ones signed (naming
// the two digests or sizes, nothing of the content).
absl::StatusOr<ReportSignature> VerifyAuditReport(absl::string_view html,
                                                  absl::string_view signature,
                                                  const std::vector<crypto::Verifier>& known);

// The use cases: sign with the node in `node`'s key; verify against one
// verifier key (`signer_vkey`) or every member of a signed roster file.
absl::StatusOr<std::string> SignAuditReport(Node& node, absl::string_view html);
struct VerifyReportRequest {
  std::string report{};     // file
  std::string signature{};  // file (default: report + ".sig")
  std::string signer_vkey{};
  std::string roster{};
  std::string federation_key{};
};
absl::StatusOr<ReportSignature> VerifyAuditReportFiles(const VerifyReportRequest& request);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_AUDIT_REPORT_SIGNATURE_H_
