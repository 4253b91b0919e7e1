// fedlink records: inspect and delete the node's own records.
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "node/cli/command.h"
#include "node/cli/command_audit.h"
#include "node/cli/consent.h"
#include "node/private_match/responder.h"
#include "node/cli/flags.h"
#include "node/config/node_dir.h"
#include "node/importer/importer.h"

namespace fedlink::cli {
namespace {

void PrintPerson(const Person& p) {
  auto line = [](absl::string_view name, absl::string_view value) {
    if (!value.empty()) std::cout << name << ": " << value << "\n";
  };
  auto multi = [&](absl::string_view name, const std::vector<std::string>& v) {
    line(name, absl::StrJoin(v, "; "));
  };
  line("external_id", p.external_id);
  line("role", RoleName(p.role));
  line("given_name", p.given_name);
  line("family_name", p.family_name);
  multi("aliases", p.aliases);
  line("dob", p.dob.ToString());
  line("sex", SexName(p.sex));
  line("nationality", p.nationality);
  multi("phone", p.phones);
  multi("email", p.emails);
  multi("document", p.documents);
  multi("handle", p.handles);
  multi("iban", p.ibans);
  multi("plate", p.plates);
  multi("address", p.addresses);
  multi("consent", p.consent);
  if (p.consent_expires_at != 0) {
    line("consent_expires",
         CivilFromDays(p.consent_expires_at / 86400).ToString());
  }
  multi("labels", p.labels);
  line("officer", p.officer);
}

int RunRecords(const std::vector<std::string>& args) {
  if (args.empty()) {
    return ReportError(
        "records",
        absl::InvalidArgumentError(
            "expected count, list, show EXTERNAL_ID, delete EXTERNAL_ID, "
            "withdraw-consent EXTERNAL_ID or notify-revocations"));
  }
  const std::string& op = args[0];
  const bool needs_id = op == "show" || op == "delete" || op == "withdraw-consent";
  if ((needs_id && args.size() != 2) || (!needs_id && args.size() != 1)) {
    return ReportError("records",
                       absl::InvalidArgumentError(
                           needs_id ? absl::StrCat(op, " takes one EXTERNAL_ID")
                                    : absl::StrCat(op, " takes no argument")));
  }
  if (op == "withdraw-consent") return WithdrawConsent(absl::GetFlag(FLAGS_dir), args[1]);
  if (op == "notify-revocations") return NotifyRevocations(absl::GetFlag(FLAGS_dir));
  auto node = OpenNode(absl::GetFlag(FLAGS_dir), {.load_identity = false});
  if (!node.ok()) return ReportError("records", node.status());
  RecordStore& store = *(*node)->store;
  if (op == "count") {
    auto by_role = store.CountByRole();
    if (!by_role.ok()) return ReportError("records", by_role.status());
    uint64_t total = 0;
    for (const auto& [role, n] : *by_role) total += n;
    std::cout << total << "\n";
    for (const auto& [role, n] : *by_role)
      std::cerr << "  " << RoleName(role) << ": " << n << "\n";
    return kExitOk;
  }
  if (op == "list") {
    std::vector<Person> one(1);
    bool header = true;
    absl::Status s = store.ForEach([&](const Person& p) {
      one[0] = p;
      std::string csv = PersonsToCsv(one);
      if (!header) csv = csv.substr(csv.find('\n') + 1);
      header = false;
      std::cout << csv;
      return absl::OkStatus();
    });
    if (!s.ok()) return ReportError("records", s);
    return kExitOk;
  }
  if (op == "show") {
    auto p = store.Get(args[1]);
    if (!p.ok()) return ReportError("records", p.status());
    if (!p->has_value()) {
      return ReportError(
          "records", absl::NotFoundError("no record with that external_id"));
    }
    PrintPerson(**p);
    PrintSharingHistory(**node, **p);
    return kExitOk;
  }
  if (op == "delete") {
    auto keyed = OpenNode(absl::GetFlag(FLAGS_dir), {.load_identity = true});
    if (!keyed.ok()) return ReportError("records", keyed.status());
    auto log = OpenCommandAudit(**keyed);
    if (!log.ok()) return ReportError("records", log.status());
    auto deleted = store.Delete(args[1]);
    audit::Event entry;
    entry.event = "records.delete";
    entry.requester = (*node)->config.node_id;
    entry.outcome = OutcomeOf(deleted.status());
    entry.count = deleted.ok() && *deleted ? 1 : 0;
    if (auto logged = (*log)->Append(entry); !logged.ok()) {
      return ReportError("records", logged.status());
    }
    if (!deleted.ok()) return ReportError("records", deleted.status());
    if (!*deleted) {
      return ReportError(
          "records", absl::NotFoundError("no record with that external_id"));
    }
    // Re-key, so the deleted record's entries in cached tables open nothing.
    if (auto s = private_match::Keyring::Rekey((*node)->paths); !s.ok()) {
      return ReportError("records", s);
    }
    std::cout << "deleted 1 record\n";
    return kExitOk;
  }
  return ReportError(
      "records", absl::InvalidArgumentError(
                     absl::StrCat("unknown operation '", op,
                                  "' (expected count, list, show, delete, "
                                  "withdraw-consent or notify-revocations)")));
}

FEDLINK_COMMAND("records",
                "  fedlink records --dir DIR count\n"
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
                "follow-up about it; notify-revocations retries those not acknowledged.",
                "count, list, show, delete own records; withdraw consent", {"dir"},
                RunRecords);

}  // namespace
}  // namespace fedlink::cli
