// fedlink records: inspect and delete the node's own records; withdraw a
// record's consent (node/app/records.h, node/app/consent.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "node/app/consent.h"
#include "node/app/data_quality.h"
#include "node/app/records.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/record_output.h"

namespace fedlink::cli {
namespace {

int RunCount(app::Node& node) {
  auto counts = app::CountRecords(node);
  if (!counts.ok()) return ReportError("records", counts.status());
  std::cout << counts->total << "\n";
  for (const auto& [role, n] : counts->by_role)
    std::cerr << "  " << record::RoleName(role) << ": " << n << "\n";
  return kExitOk;
}

// What withdrawing consent or deleting a record owed: the follow-up content
// erased and the revocation notices (exit 1 while any is pending).
int ReportNoticesAndErasure(const app::ConsentWithdrawal& withdrawal) {
  if (!withdrawal.notices_status.ok()) return ReportError("records", withdrawal.notices_status);
  if (!withdrawal.erasure_status.ok()) return ReportError("records", withdrawal.erasure_status);
  std::cout << "follow-up content erased: " << withdrawal.erased
            << " contact requests (the access log keeps only commitments)\n";
  PrintRevocationOutcomes(withdrawal.notices);
  std::cout << "revocation notices (GDPR Art. 19): " << withdrawal.notices.size() << " owed, "
            << withdrawal.acknowledged() << " acknowledged, " << withdrawal.pending()
            << " pending\n";
  if (withdrawal.pending() > 0) {
    std::cerr << "records: " << withdrawal.pending()
              << " peers did not acknowledge; retry with `fedlink records --dir DIR "
                 "notify-revocations`\n";
    return kExitFailure;
  }
  return kExitOk;
}

int RunWithdrawConsent(app::Node& node, const std::string& id) {
  auto withdrawal = app::WithdrawConsent(node, id);
  if (!withdrawal.ok()) return ReportError("records", withdrawal.status());
  std::cout << "consent withdrawn for " << id
            << "; the node re-keyed: every peer's cached table is void, the "
               "record is "
               "in no new table\n";
  return ReportNoticesAndErasure(*withdrawal);
}

int RunNotifyRevocations(app::Node& node) {
  auto notices = app::NotifyRevocations(node);
  if (!notices.ok()) return ReportError("records", notices.status());
  PrintRevocationOutcomes(*notices);
  std::cout << "revocation notices: " << app::Acknowledged(*notices) << " acknowledged, "
            << app::Pending(*notices) << " still pending\n";
  return app::Pending(*notices) > 0 ? kExitFailure : kExitOk;
}

int RunRecords(const std::vector<std::string>& args) {
  if (args.empty()) {
    return ReportError("records", absl::InvalidArgumentError(
                                      "expected count, quality, list, show EXTERNAL_ID, delete "
                                      "EXTERNAL_ID, withdraw-consent EXTERNAL_ID or "
                                      "notify-revocations"));
  }
  const std::string& op = args[0];
  const bool needs_id = op == "show" || op == "delete" || op == "withdraw-consent";
  if ((needs_id && args.size() != 2) || (!needs_id && args.size() != 1)) {
    return ReportError(
        "records", absl::InvalidArgumentError(needs_id ? absl::StrCat(op, " takes one EXTERNAL_ID")
                                                       : absl::StrCat(op, " takes no argument")));
  }
  // Reading needs no identity key; changing, logging and signing do.
  const bool changes = op == "delete" || op == "withdraw-consent" || op == "notify-revocations";
  return WithNodeInDir("records", {.load_identity = changes}, [&](app::Node& node) {
    if (op == "count") return RunCount(node);
    if (op == "quality") {
      auto quality = app::RecordsQuality(node);
      if (!quality.ok()) return ReportError("records", quality.status());
      PrintDataQuality(*quality);
      return kExitOk;
    }
    if (op == "list") {
      absl::Status s = app::ListRecordsCsv(node, [](absl::string_view csv) { std::cout << csv; });
      return s.ok() ? kExitOk : ReportError("records", s);
    }
    if (op == "show") {
      auto details = app::ShowRecord(node, args[1]);
      if (!details.ok()) return ReportError("records", details.status());
      PrintRecordDetails(*details);
      return kExitOk;
    }
    if (op == "delete") {
      auto deletion = app::DeleteRecord(node, args[1]);
      if (!deletion.ok()) return ReportError("records", deletion.status());
      std::cout << "deleted 1 record\n";
      return ReportNoticesAndErasure(*deletion);
    }
    if (op == "withdraw-consent") return RunWithdrawConsent(node, args[1]);
    if (op == "notify-revocations") return RunNotifyRevocations(node);
    return ReportError("records", absl::InvalidArgumentError(absl::StrCat(
                                      "unknown operation '", op,
                                      "' (expected count, quality, list, show, delete, "
                                      "withdraw-consent or notify-revocations)")));
  });
}

FEDLINK_COMMAND("records",
                "  fedlink records --dir DIR count\n"
                "  fedlink records --dir DIR quality\n"
                "  fedlink records --dir DIR list            (CSV with the "
                "canonical header)\n"
                "  fedlink records --dir DIR show EXTERNAL_ID\n"
                "  fedlink records --dir DIR delete EXTERNAL_ID\n"
                "  fedlink records --dir DIR withdraw-consent EXTERNAL_ID\n"
                "  fedlink records --dir DIR notify-revocations\n\n"
                "show also prints what was shared about the record, with whom and\n"
                "when, and with whom the policy shares it now. withdraw-consent clears\n"
                "the record's consent, re-keys (every peer's cached table is void) and\n"
                "sends signed revocation notices to every peer that received a hit or\n"
                "follow-up about it; notify-revocations retries those not acknowledged.\n"
                "quality: per field, values present and unusable (no key), key types per\n"
                "record, and the records that cannot reach t key groups (docs/linkage.md).",
                "count, list, show, delete own records; withdraw consent",
                {"dir", "key_file", "passphrase_file", "passphrase_fd", "credential"}, RunRecords);

}  // namespace
}  // namespace fedlink::cli
