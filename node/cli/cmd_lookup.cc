// fedlink lookup: one person (an intake, not stored) checked against every
// peer at once (node/app/match.h).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "node/app/match.h"
#include "node/cli/command.h"
#include "node/cli/flags.h"
#include "node/cli/intake.h"
#include "node/cli/output.h"
#include "node/cli/peer_results.h"
#include "node/cli/result_csv.h"

ABSL_FLAG(bool, whole_table, false,
          "lookup: fetch each peer's whole table even where a bucket lookup is allowed.");

namespace fedlink::cli {
namespace {

int RunLookup(const std::vector<std::string>& args) {
  return WithNodeInDir("lookup", [&](app::Node& node) {
    app::LookupRequest request;
    request.purpose = absl::GetFlag(FLAGS_purpose);
    if (auto s = node.CheckPurpose(request.purpose); !s.ok()) return ReportError("lookup", s);
    auto intake = IntakeFromFlags();  // --intake FILE or the field flags
    if (!intake.ok()) return ReportError("lookup", intake.status());
    request.intake = *std::move(intake);
    request.options = PeerMatchOptionsFromFlags();
    request.whole_table = absl::GetFlag(FLAGS_whole_table);
    auto report = app::Lookup(node, request);
    if (!report.ok()) return ReportError("lookup", report.status());
    if (report->unusable_selectors > 0) {
      std::cerr << "lookup: warning: " << report->unusable_selectors
                << " selector values did not normalise and are not used\n";
    }
    for (const app::PeerResult& r : report->peers) {
      if (!r.status.ok()) {
        PrintPeerSummary(r);
        continue;
      }
      for (const std::string& note : r.notes) std::cerr << Safe(note) << "\n";
      if (r.source != app::TableSource::kCached) {  // the cached table was too old
        std::cerr << "peer " << Safe(r.member.node_id) << ": table " << app::TableSourceText(r)
                  << "\n";
      }
    }
    std::cout << CandidatesCsv(report->candidates);
    const size_t failed = report->failed_peers();
    std::cerr << "lookup: " << report->candidates.size() << " candidates from "
              << report->peers.size() - failed << " peers\n";
    if (failed > 0) {
      std::cerr << "lookup: INCOMPLETE: " << failed << " peers failed\n";
      return kExitFailure;
    }
    return kExitOk;
  });
}

FEDLINK_COMMAND(
    "lookup",
    "  fedlink lookup --dir DIR --purpose P --intake FILE|-\n"
    "  fedlink lookup --dir DIR --purpose P [--given G] [--family F] [--alias A;B]\n"
    "                 [--dob D] [--sex f|m|x] [--phone P;..] [--email E;..]\n"
    "                 [--document N;..] [--online-handle H;..] [--iban I;..]\n"
    "                 [--plate P;..] [--address A;..] [--threshold BITS]\n"
    "                 [--legal-basis REF] [--official ID] [--whole-table]\n\n"
    "Checks one person (an intake, not stored) against every peer and prints\n"
    "candidates as peer,handle,score,keys,role,officer. --intake reads the person\n"
    "from FILE or, with -, from standard input: one record in the import format\n"
    "(CSV with a header, or one JSON object), so that no personal data goes on\n"
    "the command line (shell history, ps); external_id and role may be left out.\n"
    "A peer whose table is not cached and whose policy allows bucket lookups is\n"
    "asked only for the buckets of the intake's tags; --whole-table fetches the\n"
    "whole table instead.",
    "check one person against all peers",
    {"dir",           "key_file",      "passphrase_file", "passphrase_fd", "credential",
     "purpose",       "intake",        "given",           "family",        "alias",
     "dob",           "sex",           "phone",           "email",         "document",
     "online_handle", "iban",          "plate",           "address",       "threshold",
     "refresh",       "max_table_age", "legal_basis",     "official",      "whole_table"},
    RunLookup);

}  // namespace
}  // namespace fedlink::cli
