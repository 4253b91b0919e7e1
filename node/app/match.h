// The match use cases from the requester's side: the node's own records, or
// one intake, privately matched against peers' tag tables; and the owner's
// resolution of its own handles.
#ifndef FEDLINK_NODE_APP_MATCH_H_
#define FEDLINK_NODE_APP_MATCH_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/app/node.h"
#include "node/app/peer_match.h"
#include "node/record/person.h"

namespace fedlink::app {

struct MatchRequest {
  std::string purpose;
  std::string peer;          // one member, or
  bool all = false;          // every member
  PeerMatchOptions options;  // its purpose is set from `purpose`
  // Each peer's record in at most one match (greedy by score); each own
  // record already has at most one per peer.
  bool one_to_one = false;
};

// One own record matched at a peer.
struct OwnMatch {
  std::string own_id;
  std::string peer;
  std::string handle;
  double score = 0;
  std::string keys;       // agreeing key types (keyspec::PatternNames)
  std::string role;       // empty unless the peer's policy reveals it
  double threshold = 0;   // bits: the threshold the score was held against
  bool reviewed = false;  // below the threshold, accepted in review
};

// A match notice owed to a peer whose policy asks for one.
struct NoticeOutcome {
  std::string peer;
  size_t matches = 0;
  absl::Status status;  // OK: delivered
};

struct MatchReport {
  size_t records = 0;
  size_t queries = 0;   // records used as queries
  size_t withheld = 0;  // victims and witnesses without consent for the purpose
  std::vector<PeerResult> peers;
  std::vector<OwnMatch> matches;  // also recorded as hits in followup.db
  std::vector<NoticeOutcome> notices;
  size_t queued = 0;    // borderline pairs waiting in the review queue
  size_t rejected = 0;  // pairs left out: rejected in review
  size_t one_to_one_dropped = 0;
  size_t failed_peers() const;
};

// Matches the node's own records (victims and witnesses only with consent
// for the purpose) against the peers' tables, records the hits for
// follow-up, and sends the match notices the owners' policies ask for. A
// failed peer is in its PeerResult; the others' matches still count.
// With options.review_margin > 0, pairs scoring that many bits or less
// below the threshold go to the review queue (review.h); pairs decided in
// review are reported (accepted) or left out (rejected) whatever their
// score, and the decisions anchor the pattern model.
absl::StatusOr<MatchReport> MatchOwnRecords(Node& node, const MatchRequest& request);

struct LookupRequest {
  record::Person intake;  // not stored
  std::string purpose;
  // Fetch every peer's whole table even where its policy allows a bucket
  // lookup (by default a peer with no cached table is asked for the
  // buckets of the intake's tags only: private_match/bucket_lookup.h).
  bool whole_table = false;
  PeerMatchOptions options;  // its purpose is set from `purpose`
};

struct Candidate {
  std::string peer;
  std::string handle;
  double score = 0;
  std::string keys;
  std::string role;
  std::string officer;
  double threshold = 0;  // bits
};

struct LookupReport {
  size_t unusable_selectors = 0;  // values that did not normalise
  std::vector<PeerResult> peers;
  std::vector<Candidate> candidates;
  size_t failed_peers() const;
};

// Checks one person against every peer at once. InvalidArgument if the
// intake yields no key at all.
absl::StatusOr<LookupReport> Lookup(Node& node, const LookupRequest& request);

// The external id behind one of this node's own handles (owner only),
// issued to `peer` (empty: to any other member of the installed roster) in
// the last 7 days (private_match::kHandleLifetime).
absl::StatusOr<std::string> ResolveHandle(Node& node, const std::string& handle,
                                          const std::string& peer = "");

// The node's own use of a record for `purpose` (as a query, or in a contact
// request): a victim's or witness's record only with consent covering the
// purpose and not expired. Hashed or encrypted identifiers count as
// disclosure (VAWA, 34 USC 12291(b)(2)), so without consent nothing derived
// from the record leaves the node, not even blinded.
bool UsableForOutboundQuery(const record::Person& record, const std::string& purpose,
                            absl::Time now);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_MATCH_H_
