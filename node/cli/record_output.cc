#include "node/cli/record_output.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "node/cli/output.h"

namespace fedlink::cli {
namespace {

std::string Timestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

void PrintPerson(const record::Person& p) {
  auto line = [](absl::string_view name, absl::string_view value) {
    if (!value.empty()) std::cout << name << ": " << Safe(value) << "\n";
  };
  auto multi = [&](absl::string_view name, const std::vector<std::string>& v) {
    line(name, absl::StrJoin(v, "; "));
  };
  line("external_id", p.external_id);
  line("role", record::RoleName(p.role));
  line("given_name", p.given_name);
  line("family_name", p.family_name);
  multi("aliases", p.aliases);
  line("dob", p.dob.ToString());
  line("sex", record::SexName(p.sex));
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
    line("consent_expires", record::CivilFromDays(p.consent_expires_at / 86400).ToString());
  }
  multi("labels", p.labels);
  line("officer", p.officer);
}

// False if the history is unavailable.
bool PrintHistory(const app::SharingHistory& h) {
  std::cout << "sharing history:\n";
  if (!h.status.ok()) {
    std::cout << "  (unavailable: " << Safe(h.status.message()) << ")\n";
    return false;
  }
  for (const followup::Hit& hit : h.hits) {
    std::cout << "  " << Timestamp(hit.found_at) << " matched at " << Safe(hit.peer) << " (their "
              << Safe(hit.handle) << ") for " << Safe(hit.purpose) << ", score " << hit.score
              << "\n";
  }
  for (const followup::Contact& c : h.contacts_in) {
    std::cout << "  " << Timestamp(c.created_at) << " " << Safe(c.peer)
              << " asked for contact about it (" << Safe(c.id) << ", " << Safe(c.purpose)
              << "): " << followup::ContactStatusName(c.status) << "\n";
  }
  for (const followup::Contact& c : h.contacts_out) {
    std::cout << "  " << Timestamp(c.created_at) << " we asked " << Safe(c.peer)
              << " for contact about their " << (c.erased() ? "(erased)" : Safe(c.handle)) << " ("
              << Safe(c.id) << ", " << Safe(c.purpose)
              << "): " << followup::ContactStatusName(c.status) << "\n";
  }
  for (const followup::FollowupStore::Notice& n : h.notices) {
    std::cout << "  " << Timestamp(n.at) << " " << Safe(n.peer) << " matched it for "
              << Safe(n.purpose) << " (mutual notice)\n";
  }
  for (const followup::FollowupStore::Revocation& r : h.revocations) {
    std::cout << "  " << Timestamp(r.created_at) << " revocation notice to " << Safe(r.peer) << ": "
              << (r.acked_at == absl::InfinitePast()
                      ? std::string("pending")
                      : absl::StrCat("acknowledged ", Timestamp(r.acked_at)))
              << "\n";
  }
  if (h.empty()) std::cout << "  nothing was shared about this record\n";
  return true;
}

void PrintSharedNow(const app::SharedNow& now) {
  std::cout << "shared now:\n";
  switch (now.basis) {
    case app::SharedNow::Basis::kNoRoster:
      std::cout << "  with nobody (no roster)\n";
      return;
    case app::SharedNow::Basis::kNoPolicy:
      std::cout << "  with nobody (no policy)\n";
      return;
    case app::SharedNow::Basis::kPolicyUnreadable:
      std::cout << "  (policy unreadable: " << Safe(now.policy_error.message()) << ")\n";
      return;
    case app::SharedNow::Basis::kPolicy:
      break;
  }
  for (const app::CurrentShare& s : now.shares) {
    std::cout << "  with " << Safe(s.peer) << " for " << Safe(s.purpose) << " (rule '"
              << Safe(s.rule) << "', " << policy::PayloadName(s.payload) << ")\n";
  }
  if (now.shares.empty()) std::cout << "  with nobody\n";
}

}  // namespace

void PrintRecordDetails(const app::RecordDetails& details) {
  PrintPerson(details.record);
  // Without the history, what is shared now is not shown either.
  if (PrintHistory(details.history)) PrintSharedNow(details.shared_now);
}

void PrintRevocationOutcomes(const std::vector<app::RevocationOutcome>& notices) {
  for (const app::RevocationOutcome& n : notices) {
    if (n.status.ok()) {
      std::cout << "  revocation notice to " << Safe(n.peer) << ": acknowledged\n";
    } else {
      std::cout << "  revocation notice to " << Safe(n.peer) << ": pending ("
                << absl::StatusCodeToString(n.status.code()) << ": " << Safe(n.status.message())
                << ")\n";
    }
  }
}

void PrintDataQuality(const app::DataQuality& q, size_t max_ids) {
  std::cout << "data quality: " << q.records << " records, keyspec v" << q.keyspec << ", t=" << q.t
            << "\n";
  std::cout << absl::StrFormat("%-12s %9s %9s\n", "field", "present", "unusable");
  for (const app::FieldQuality& f : q.fields) {
    std::cout << absl::StrFormat("%-12s %9d %9d\n", f.field, f.present, f.unusable);
  }
  std::cout << absl::StrFormat("key types per record: %.1f (keys per record: %.1f)\n",
                               q.key_types_per_record, q.keys_per_record);
  std::cout << "records by key groups:";
  for (size_t g = 0; g < q.records_by_groups.size(); ++g) {
    if (q.records_by_groups[g] > 0) std::cout << " " << g << "=" << q.records_by_groups[g];
  }
  std::cout << "\n";
  std::cout << "cannot reach t=" << q.t << ": " << q.cannot_reach_t.size() << " records\n";
  for (size_t i = 0; i < q.cannot_reach_t.size() && i < max_ids; ++i) {
    std::cout << "  " << q.cannot_reach_t[i] << "\n";
  }
  if (q.cannot_reach_t.size() > max_ids) {
    std::cout << "  ... and " << q.cannot_reach_t.size() - max_ids << " more\n";
  }
}

}  // namespace fedlink::cli
