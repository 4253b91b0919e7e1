#include "node/cli/peer_results.h"

#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "node/cli/flags.h"
#include "node/cli/output.h"

namespace fedlink::cli {

app::PeerMatchOptions PeerMatchOptionsFromFlags() {
  app::PeerMatchOptions o;
  o.threshold = absl::GetFlag(FLAGS_threshold);
  o.refresh = absl::GetFlag(FLAGS_refresh);
  o.max_table_age = absl::GetFlag(FLAGS_max_table_age);
  o.actor = ActorFromFlags();
  return o;
}

void PrintPeerSummary(const app::PeerResult& r) {
  for (const std::string& note : r.notes) std::cerr << Safe(note) << "\n";
  if (!r.status.ok()) {
    std::cerr << "peer " << Safe(r.member.node_id)
              << ": failed: " << absl::StatusCodeToString(r.status.code()) << ": "
              << Safe(r.status.message()) << "\n";
    return;
  }
  std::cerr << absl::StrFormat(
      "peer %s: table %d records (%s), %d evaluations, %d candidates below t, "
      "%d matches (threshold %.1f bits), budget left %d, %.2fs\n",
      Safe(r.member.node_id), r.match.table_slots, app::TableSourceText(r), r.match.evaluations,
      r.match.below_t, r.match.hits.size(), r.match.threshold, r.budget_remaining, r.seconds);
}

}  // namespace fedlink::cli
