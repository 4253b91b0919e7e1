// What the match and lookup commands share: the peer-matching options from
// flags, and the per-peer summary line on stderr.
#ifndef FEDLINK_NODE_CLI_PEER_RESULTS_H_
#define FEDLINK_NODE_CLI_PEER_RESULTS_H_

#include "node/app/peer_match.h"

namespace fedlink::cli {

// --threshold, --refresh, --max-table-age, --official, --legal-basis.
app::PeerMatchOptions PeerMatchOptionsFromFlags();

// "peer ID: table N records (cached), E evaluations, ..." or "peer ID:
// failed: CODE: message", after any notes.
void PrintPeerSummary(const app::PeerResult& result);

}  // namespace fedlink::cli

#endif  // FEDLINK_NODE_CLI_PEER_RESULTS_H_
