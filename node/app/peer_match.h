// Matching queries against peers' tag tables, as the match and lookup use
// cases share it: each peer's table from the cache when fresh, else a delta
// or the whole table (cached again); a table the peer has re-keyed since is
// refetched once, by type (stale_table.h); the private match itself
// (private_match/requester.h) over the Match service.
#ifndef FEDLINK_NODE_APP_PEER_MATCH_H_
#define FEDLINK_NODE_APP_PEER_MATCH_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "node/app/node.h"
#include "node/match/keyspec.h"
#include "node/match/scorer.h"
#include "node/private_match/requester.h"

namespace fedlink::app {

// Where a peer's table came from in this run.
// kBuckets: no table, only the buckets of the queries' tags
// (private_match/bucket_lookup.h).
enum class TableSource { kCached, kFetched, kDelta, kBuckets };

struct PeerResult {
  federation::Member member;
  absl::Status status;  // not OK: this peer failed, the others still count
  private_match::PeerMatch match;
  TableSource source = TableSource::kCached;
  size_t delta_changed = 0;      // with kDelta: slots added or changed
  size_t delta_dropped = 0;      // with kDelta: slots dropped
  size_t bucket_slots = 0;       // with kBuckets: slots received
  int bucket_prefix_bits = 0;    // with kBuckets: the prefix length the peer serves
  size_t bucket_wire_bytes = 0;  // with kBuckets: bytes of the bucket exchanges
  bool notify_owner = false;     // the owner's policy asks for notice of matches
  uint64_t budget_remaining = 0;
  double seconds = 0;
  // What happened on the way that the operator should know (a refused delta
  // replaced by the whole table, a stale table refetched).
  std::vector<std::string> notes;
};

struct PeerMatchOptions {
  std::string purpose;
  double threshold = -1;                             // bits; < 0: the default for the table's size
  bool refresh = false;                              // fetch even if a fresh table is cached
  absl::Duration max_table_age = absl::Minutes(10);  // older: bring up to date
  Actor actor;
  // Ask every peer at once (a lookup: its latency is the slowest peer's);
  // else peer by peer, each using every core.
  bool concurrently = false;
  // Called as evaluations progress (peer by peer only), and when each peer
  // is done (from the thread that matched it).
  std::function<void(const std::string& peer, size_t done, size_t total)> on_progress;
  std::function<void(const PeerResult&)> on_peer_done;
  // Bits below the threshold from which a query's best revealed record is
  // returned as borderline (PeerMatch::borderline); 0: none.
  double review_margin = 0;
  // Scoring and the labelled sample (review decisions) for the pattern model.
  match::Scoring scoring = match::Scoring::kIndependent;
  std::vector<match::LabelledPattern> labelled;
  // When no table of the peer is cached, ask for only the buckets of the
  // queries' tags if the peer's policy allows it (a lookup), else (or if
  // refused) fetch the whole table.
  bool bucket_lookup = false;
  // The keyspec this node speaks (MatchPeers sets it from node.conf): a
  // peer's table of another keyspec is refused with a clear error.
  int keyspec = 1;
};

// Matches `queries` against each of `peers`; one result per peer, in order.
// Every exchange is logged in the node's access log.
absl::StatusOr<std::vector<PeerResult>> MatchPeers(Node& node,
                                                   const std::vector<federation::Member>& peers,
                                                   const std::vector<match::KeySet>& queries,
                                                   const match::Scorer& scorer,
                                                   const PeerMatchOptions& options);

// "fetched", "cached" or "updated by a delta: N added or changed, M dropped".
std::string TableSourceText(const PeerResult& result);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_PEER_MATCH_H_
