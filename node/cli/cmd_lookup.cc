// fedlink lookup: one person (an intake, not stored) checked against every
// peer at once (node/app/match.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "node/app/match.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/peer_results.h"

ABSL_FLAG(std::string, given, "", "Given name.");
ABSL_FLAG(std::string, family, "", "Family name.");
ABSL_FLAG(std::string, alias, "", "Aliases, ';'-separated.");
ABSL_FLAG(std::string, dob, "", "Date of birth (YYYY-MM-DD, YYYY-MM, YYYY, ...).");
ABSL_FLAG(std::string, sex, "", "f, m or x.");
ABSL_FLAG(std::string, phone, "", "Phone numbers, ';'-separated.");
ABSL_FLAG(std::string, email, "", "E-mail addresses, ';'-separated.");
ABSL_FLAG(std::string, document, "", "Document numbers, ';'-separated.");
ABSL_FLAG(std::string, online_handle, "", "Online handles, ';'-separated.");
ABSL_FLAG(std::string, iban, "", "IBANs, ';'-separated.");
ABSL_FLAG(std::string, plate, "", "Vehicle plates, ';'-separated.");
ABSL_FLAG(std::string, address, "", "Addresses, ';'-separated.");

namespace fedlink::cli {
namespace {

std::vector<std::string> List(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view v : absl::StrSplit(text, ';', absl::SkipWhitespace()))
    out.emplace_back(v);
  return out;
}

absl::StatusOr<Person> IntakeFromFlags() {
  Person p;
  p.external_id = "intake";
  p.given_name = absl::GetFlag(FLAGS_given);
  p.family_name = absl::GetFlag(FLAGS_family);
  p.aliases = List(absl::GetFlag(FLAGS_alias));
  if (const std::string dob = absl::GetFlag(FLAGS_dob); !dob.empty()) {
    auto parsed = ParsePartialDate(dob);
    if (!parsed.ok()) return absl::InvalidArgumentError("--dob: not a date");
    p.dob = *parsed;
  }
  auto sex = ParseSex(absl::GetFlag(FLAGS_sex));
  if (!sex.ok()) return absl::InvalidArgumentError("--sex: expected f, m or x");
  p.sex = *sex;
  p.phones = List(absl::GetFlag(FLAGS_phone));
  p.emails = List(absl::GetFlag(FLAGS_email));
  p.documents = List(absl::GetFlag(FLAGS_document));
  p.handles = List(absl::GetFlag(FLAGS_online_handle));
  p.ibans = List(absl::GetFlag(FLAGS_iban));
  p.plates = List(absl::GetFlag(FLAGS_plate));
  p.addresses = List(absl::GetFlag(FLAGS_address));
  return p;
}

int RunLookup(const std::vector<std::string>& args) {
  auto node = app::Node::Open(absl::GetFlag(FLAGS_dir));
  if (!node.ok()) return ReportError("lookup", node.status());
  app::LookupRequest request;
  request.purpose = absl::GetFlag(FLAGS_purpose);
  if (auto s = (*node)->CheckPurpose(request.purpose); !s.ok()) return ReportError("lookup", s);
  auto intake = IntakeFromFlags();
  if (!intake.ok()) return ReportError("lookup", intake.status());
  request.intake = *std::move(intake);
  request.options = PeerMatchOptionsFromFlags();
  auto report = app::Lookup(**node, request);
  if (!report.ok()) return ReportError("lookup", report.status());
  if (report->unusable_selectors > 0) {
    std::cerr << "lookup: warning: " << report->unusable_selectors
              << " selector values did not normalise and are not used\n";
  }
  std::cout << "peer,handle,score,keys,role,officer\n";
  for (const app::PeerResult& r : report->peers) {
    if (!r.status.ok()) {
      PrintPeerSummary(r);
    } else if (r.source != app::TableSource::kCached) {  // the cached table was too old
      std::cerr << "peer " << r.member.node_id << ": table " << app::TableSourceText(r) << "\n";
    }
  }
  for (const app::Candidate& c : report->candidates) {
    std::cout << absl::StrFormat("%s,%s,%.1f,%s,%s,%s\n", c.peer, c.handle, c.score, c.keys,
                                 c.role, c.officer);
  }
  const size_t failed = report->failed_peers();
  std::cerr << "lookup: " << report->candidates.size() << " candidates from "
            << report->peers.size() - failed << " peers\n";
  if (failed > 0) {
    std::cerr << "lookup: INCOMPLETE: " << failed << " peers failed\n";
    return kExitFailure;
  }
  return kExitOk;
}

FEDLINK_COMMAND(
    "lookup",
    "  fedlink lookup --dir DIR --purpose P [--given G] [--family F] [--alias A;B]\n"
    "                 [--dob D] [--sex f|m|x] [--phone P;..] [--email E;..]\n"
    "                 [--document N;..] [--online-handle H;..] [--iban I;..]\n"
    "                 [--plate P;..] [--address A;..] [--threshold BITS]\n"
    "                 [--legal-basis REF] [--official ID]\n\n"
    "Checks one person (an intake, not stored) against every peer and prints\n"
    "candidates as peer,handle,score,keys,role,officer.",
    "check one person against all peers",
    {"dir", "purpose", "given", "family", "alias", "dob", "sex", "phone", "email",
     "document", "online_handle", "iban", "plate", "address", "threshold", "refresh",
     "max_table_age", "legal_basis", "official"},
    RunLookup);

}  // namespace
}  // namespace fedlink::cli
